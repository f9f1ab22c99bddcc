/** The final (or current) state of a task or flow run as user code sees it with `returnState: true`. */
import { FlowgateError } from "../errors.js";
import { StateType } from "../types.js";

export class State<R = unknown> {
  private constructor(
    readonly type: StateType,
    readonly name: string,
    readonly message: string,
    private readonly value: R | undefined,
    private readonly error: unknown,
  ) {}

  static pending<R>(): State<R> {
    return new State<R>(StateType.PENDING, "Pending", "", undefined, undefined);
  }

  static running<R>(): State<R> {
    return new State<R>(StateType.RUNNING, "Running", "", undefined, undefined);
  }

  static completed<R>(value: R, name = "Completed"): State<R> {
    return new State<R>(StateType.COMPLETED, name, "", value, undefined);
  }

  static failed<R>(error: unknown): State<R> {
    const message = error instanceof Error ? error.message : String(error);
    return new State<R>(StateType.FAILED, "Failed", message, undefined, error);
  }

  isCompleted(): boolean {
    return this.type === StateType.COMPLETED;
  }

  isFailed(): boolean {
    return this.type === StateType.FAILED || this.type === StateType.CRASHED;
  }

  /**
   * The run's return value.
   * @throws the run's error when it failed, FlowgateError when it has not finished.
   */
  result(): R {
    if (this.type === StateType.COMPLETED) return this.value as R;
    if (this.isFailed()) throw this.error;
    throw new FlowgateError(`The run is ${this.name}; it has no result yet.`);
  }
}
