package flowgate_test

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/flowgate/flowgate/clients/go"
	"google.golang.org/grpc/codes"
)

func dial(t *testing.T) (*flowgate.Client, context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	c, err := flowgate.Dial(ctx, serverAddress(t), flowgate.WithAPIKey(serverAPIKey(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, ctx
}

// C03: ResumeFlowRun resumes a paused run with input; invalid input is an *flowgate.Error with
// InvalidArgument and every failing field, and the run stays paused.
func TestC03ResumeFlowRunWithInputAndFieldViolations(t *testing.T) {
	c, ctx := dial(t)
	flow := newFlowSide(t)
	runID := flow.runningRun(ctx)
	flow.pause(ctx, runID, nameSchema)

	_, err := c.ResumeFlowRun(ctx, runID, map[string]any{"name": 42, "age": -1})
	var fe *flowgate.Error
	if !errors.As(err, &fe) {
		t.Fatalf("want *flowgate.Error, got %v", err)
	}
	if fe.Code != codes.InvalidArgument || !fe.IsInvalidInput() || !errors.Is(err, flowgate.ErrInvalidRunInput) {
		t.Fatalf("want InvalidArgument INVALID_RUN_INPUT with field violations, got %v (%q)", fe, fe.Reason)
	}
	var fields []string
	for _, v := range fe.FieldViolations {
		fields = append(fields, v.Field)
		if v.Description == "" {
			t.Errorf("field %q has no description", v.Field)
		}
	}
	sort.Strings(fields)
	if !reflect.DeepEqual(fields, []string{"age", "name"}) {
		t.Fatalf("field violations: %v", fields)
	}
	if run, err := c.GetFlowRun(ctx, runID); err != nil || run.StateType() != flowgate.StatePaused || run.Pause == nil {
		t.Fatalf("run should still be paused: %v %v", run, err)
	}

	run, err := c.ResumeFlowRun(ctx, runID, map[string]any{"name": "Marvin"})
	if err != nil {
		t.Fatal(err)
	}
	if run.StateType() != flowgate.StateRunning {
		t.Fatalf("state after resume: %s", run.StateType())
	}
}

// C03: WatchFlowRun yields the current state, then each change as it happens; it ends at a final state.
func TestC03WatchFlowRunYieldsStateChangesAsTheyHappen(t *testing.T) {
	c, ctx := dial(t)
	flow := newFlowSide(t)
	runID := flow.runningRun(ctx)
	flow.pause(ctx, runID, nameSchema)

	var seen []flowgate.StateType
	for ev, err := range c.WatchFlowRun(ctx, runID) {
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, ev.FlowRun.StateType())
		switch ev.FlowRun.StateType() {
		case flowgate.StatePaused:
			if !ev.Initial || ev.PreviousState != nil {
				t.Fatalf("first event should be the initial state: %+v", ev)
			}
			if _, err := c.ResumeFlowRun(ctx, runID, map[string]any{"name": "Marvin"}); err != nil {
				t.Fatal(err)
			}
		case flowgate.StateRunning:
			if ev.PreviousState == nil || ev.PreviousState.Type != flowgate.StatePaused {
				t.Fatalf("RUNNING should follow PAUSED: %+v", ev.PreviousState)
			}
			flow.complete(ctx, runID)
		}
	}
	want := []flowgate.StateType{flowgate.StatePaused, flowgate.StateRunning, flowgate.StateCompleted}
	if !reflect.DeepEqual(seen, want) {
		t.Fatalf("saw %v, want %v", seen, want)
	}
}

// C03: WaitForResume blocks until the run is resumed and returns the input.
func TestC03WaitForResumeBlocksUntilResumedAndReturnsTheInput(t *testing.T) {
	c, ctx := dial(t)
	flow := newFlowSide(t)
	runID := flow.runningRun(ctx)
	flow.pause(ctx, runID, nameSchema)

	type result struct {
		input map[string]any
		err   error
	}
	done := make(chan result, 1)
	go func() {
		input, err := c.WaitForResume(ctx, runID, "")
		done <- result{input, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("WaitForResume returned before the resume: %+v", r)
	case <-time.After(500 * time.Millisecond):
	}
	if _, err := c.ResumeFlowRun(ctx, runID, map[string]any{"name": "Marvin", "age": 42}); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if !reflect.DeepEqual(r.input, map[string]any{"name": "Marvin", "age": float64(42)}) {
		t.Fatalf("input: %#v", r.input)
	}
}

// C03: errors carry the gRPC code and the server's reason (errors.Is with the reason's sentinel and
// its parent); a cancelled pause ends WaitForResume with ErrRunCancelled.
func TestC03ErrorsCarryCodes(t *testing.T) {
	c, ctx := dial(t)
	flow := newFlowSide(t)
	runID := flow.runningRun(ctx)

	var fe *flowgate.Error
	_, err := c.ResumeFlowRun(ctx, runID, nil)
	if !errors.As(err, &fe) || fe.Code != codes.FailedPrecondition || fe.Reason != "NOT_PAUSED" ||
		!errors.Is(err, flowgate.ErrNotPaused) || !errors.Is(err, flowgate.ErrRefused) {
		t.Fatalf("resume of a running run: want FailedPrecondition NOT_PAUSED, got %v (%q)", err, fe.Reason)
	}
	_, err = c.GetFlowRun(ctx, "00000000-0000-4000-8000-000000000000")
	if !errors.As(err, &fe) || fe.Code != codes.NotFound || !errors.Is(err, flowgate.ErrFlowRunNotFound) {
		t.Fatalf("unknown run: want NotFound FLOW_RUN_NOT_FOUND, got %v", err)
	}
	_, err = c.SuspendFlowRun(ctx, runID, flowgate.SuspendOptions{})
	if !errors.As(err, &fe) || fe.Code != codes.FailedPrecondition || !errors.Is(err, flowgate.ErrTransitionRefused) {
		t.Fatalf("suspend without deployment: want FailedPrecondition TRANSITION_REFUSED, got %v", err)
	}

	flow.pause(ctx, runID, nil)
	if _, err := c.CancelFlowRun(ctx, runID); err != nil {
		t.Fatal(err)
	}
	_, err = c.WaitForResume(ctx, runID, "1")
	var ended *flowgate.PauseEndedError
	if !errors.Is(err, flowgate.ErrRunCancelled) || !errors.As(err, &ended) || ended.FlowRun.StateType() != flowgate.StateCancelled {
		t.Fatalf("wait on a cancelled pause: %v", err)
	}

	page, err := c.ListFlowRuns(ctx, flowgate.ListOptions{FlowName: "greet-user", StateTypes: []flowgate.StateType{flowgate.StateCancelled}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range page.FlowRuns {
		found = found || r.ID == runID
	}
	if !found {
		t.Fatalf("cancelled run not listed")
	}
}
