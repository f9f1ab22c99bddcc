// Package flowgate is the Go client of Flowgate: resume, suspend, cancel and watch workflow runs over
// gRPC. Generated protobuf code lives in gen/flowgate/v1 and is not part of this package's API.
//
//	c, err := flowgate.Dial(ctx, "127.0.0.1:50051") // the key: WithAPIKey, FLOWGATE_API_KEY or .flowgate/admin-key
//	c, err := flowgate.Dial(ctx, "flowgate.example.com:443", flowgate.WithTLS("ca.pem")) // or FLOWGATE_TLS_CA
//	run, err := c.ResumeFlowRun(ctx, runID, map[string]any{"name": "Marvin"})
//	var fe *flowgate.Error
//	if errors.As(err, &fe) && fe.IsInvalidInput() { ... fe.FieldViolations ... }
//	if errors.Is(err, flowgate.ErrNotPaused) { ... }
package flowgate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"sync/atomic"
	"time"

	flowgatev1 "github.com/flowgate/flowgate/clients/go/gen/flowgate/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/protobuf/types/known/structpb"
)

// DefaultAddress is where `npm start` listens.
const DefaultAddress = "127.0.0.1:50051"

// Client is a connection to a Flowgate server, safe for concurrent use. Close it when done.
type Client struct {
	conn  *grpc.ClientConn
	runs  flowgatev1.RunServiceClient
	keys  flowgatev1.KeyServiceClient
	audit flowgatev1.AuditServiceClient
	ui    uiURL
}

// Option configures Dial.
type Option func(*dialConfig)

type dialConfig struct {
	dialOptions []grpc.DialOption
	lazy        bool
	apiKey      string
	tls         tlsOptions
}

// WithDialOptions adds grpc.DialOptions. A grpc.WithTransportCredentials among them replaces the
// credentials of the TLS options (see WithTLS).
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(c *dialConfig) { c.dialOptions = append(c.dialOptions, opts...) }
}

// WithLazyConnect makes Dial return at once instead of waiting for the connection to be ready.
func WithLazyConnect() Option { return func(c *dialConfig) { c.lazy = true } }

// Dial connects to the server at addr ("host:port"), over TLS or not (see WithTLS). Unless
// WithLazyConnect is given it waits until the connection is ready, returning an error when ctx ends
// first. Every call carries the API key (see WithAPIKey). A call that cannot connect fails with
// ErrUnavailable, and Dial with ctx's error; both say how the connection was tried: with or without
// TLS, trusting which CA, with or without a client certificate.
func Dial(ctx context.Context, addr string, opts ...Option) (*Client, error) {
	cfg := dialConfig{}
	for _, o := range opts {
		o(&cfg)
	}
	// Over TLS too, the key file is read for a loopback address only (see resolveAPIKey).
	key, err := resolveAPIKey(cfg.apiKey, addr)
	if err != nil {
		return nil, err
	}
	tr, err := resolveTLS(cfg.tls, os.Getenv)
	if err != nil {
		return nil, err
	}
	// The user agent names this client: the audit trail records the channel ("go") from it.
	dialOpts := append([]grpc.DialOption{grpc.WithTransportCredentials(tr.creds), grpc.WithUserAgent("flowgate-go/0.1"), connectBackoff()},
		describeFailures(tr.description)...)
	if key != "" {
		dialOpts = append(dialOpts, grpc.WithPerRPCCredentials(bearer(key)))
	}
	dialOpts = append(dialOpts, cfg.dialOptions...)
	conn, err := grpc.NewClient(addr, dialOpts...)
	if err != nil {
		return nil, fmt.Errorf("flowgate: dial %s: %w", addr, err)
	}
	if !cfg.lazy {
		conn.Connect()
		for state := conn.GetState(); state != connectivity.Ready; state = conn.GetState() {
			if !conn.WaitForStateChange(ctx, state) {
				conn.Close()
				return nil, fmt.Errorf("flowgate: dial %s: %w (connection %s). %s", addr, ctx.Err(), state, tr.description)
			}
		}
	}
	return &Client{
		conn:  conn,
		runs:  flowgatev1.NewRunServiceClient(conn),
		keys:  flowgatev1.NewKeyServiceClient(conn),
		audit: flowgatev1.NewAuditServiceClient(conn),
		ui:    uiURL{url: configuredUIURL(os.Getenv)},
	}, nil
}

// Close closes the connection; streams still open end with an error.
func (c *Client) Close() error { return c.conn.Close() }

// CallOption configures one mutating call.
type CallOption func(*callConfig)

type callConfig struct {
	requestID   string
	resumeToken string
}

// WithRequestID sets the call's request id: a retry with the same id gets the first call's outcome.
// Without it every call gets a fresh random id.
func WithRequestID(id string) CallOption { return func(c *callConfig) { c.requestID = id } }

// WithResumeToken makes ResumeFlowRun or RejectFlowRun use a resume link's token (ResumeLink.Token) in
// place of the API key: the call carries no key and acts as the link's principal. A client dialed
// without any key can use it.
func WithResumeToken(token string) CallOption { return func(c *callConfig) { c.resumeToken = token } }

func callOptions(opts []CallOption) callConfig {
	cfg := callConfig{}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.requestID == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		cfg.requestID = hex.EncodeToString(b[:])
	}
	return cfg
}

func requestID(opts []CallOption) string { return callOptions(opts).requestID }

// tokenContext is ctx for a call that carries the resume token (if any) instead of the API key.
func (cfg callConfig) tokenContext(ctx context.Context) context.Context {
	if cfg.resumeToken == "" {
		return ctx
	}
	return withoutAPIKey(ctx)
}

// unary runs one call, mapping its error.
func unary[Req, Res any](ctx context.Context, call func(context.Context, Req, ...grpc.CallOption) (Res, error), req Req) (Res, error) {
	res, err := call(ctx, req)
	if err != nil {
		var zero Res
		return zero, fromRPC(err)
	}
	return res, nil
}

// GetFlowRun reads one run, with its pause if PAUSED. Errors: ErrFlowRunNotFound, ErrInvalidArgument.
func (c *Client) GetFlowRun(ctx context.Context, runID string) (*FlowRun, error) {
	res, err := unary(ctx, c.runs.GetFlowRun, &flowgatev1.GetFlowRunRequest{FlowRunId: runID})
	if err != nil {
		return nil, err
	}
	return flowRunFromPB(res.GetFlowRun()), nil
}

// ListFlowRuns returns one page of runs, newest first.
func (c *Client) ListFlowRuns(ctx context.Context, opts ListOptions) (*FlowRunPage, error) {
	req := &flowgatev1.ListFlowRunsRequest{
		FlowName:        opts.FlowName,
		DeploymentId:    opts.DeploymentID,
		ParentFlowRunId: opts.ParentFlowRunID,
		PageSize:        opts.PageSize,
		PageToken:       opts.PageToken,
		AwaitingMe:      opts.AwaitingMe,
	}
	for _, t := range opts.StateTypes {
		req.StateTypes = append(req.StateTypes, stateTypeToPB(t))
	}
	res, err := unary(ctx, c.runs.ListFlowRuns, req)
	if err != nil {
		return nil, err
	}
	page := &FlowRunPage{NextPageToken: res.GetNextPageToken()}
	for _, r := range res.GetFlowRuns() {
		page.FlowRuns = append(page.FlowRuns, flowRunFromPB(r))
	}
	return page, nil
}

// ResumeFlowRun resumes a PAUSED run with input (nil for none), which the server validates against the
// pause's schema before anything changes. With an approval policy on the pause the call is an
// approval: below the quorum it is recorded and the run stays PAUSED (Resumed false). Options:
// WithRequestID, WithResumeToken (a resume link's token in place of the API key). Errors:
// ErrInvalidRunInput with FieldViolations when the input fails the schema; ErrNotPaused;
// ErrFlowPauseTimeout when the pause timed out; ErrNotAnApprover, ErrSelfApproval;
// ErrResumeLinkInvalid, ErrResumeLinkUsed, ErrResumeLinkExpired; ErrFlowRunNotFound.
func (c *Client) ResumeFlowRun(ctx context.Context, runID string, input map[string]any, opts ...CallOption) (*ResumeResult, error) {
	cfg := callOptions(opts)
	req := &flowgatev1.ResumeFlowRunRequest{FlowRunId: runID, RequestId: cfg.requestID, ResumeToken: cfg.resumeToken}
	if input != nil {
		s, err := toStruct(input)
		if err != nil {
			return nil, fmt.Errorf("flowgate: run input: %w", err)
		}
		req.RunInput = s
	}
	res, err := unary(cfg.tokenContext(ctx), c.runs.ResumeFlowRun, req)
	if err != nil {
		return nil, err
	}
	return &ResumeResult{FlowRun: flowRunFromPB(res.GetFlowRun()), Resumed: res.GetResumed()}, nil
}

// RejectFlowRun rejects a PAUSED run (reason: at most 2,000 characters, shown to the flow and in the
// run's state): one reject ends the pause whatever the quorum, and its waiter gets ErrPauseRejected.
// An in-process pause's run goes back to RUNNING; a suspended run becomes FAILED. Allowed to whoever
// may approve the pause. Options and errors: as ResumeFlowRun.
func (c *Client) RejectFlowRun(ctx context.Context, runID, reason string, opts ...CallOption) (*FlowRun, error) {
	cfg := callOptions(opts)
	req := &flowgatev1.RejectFlowRunRequest{FlowRunId: runID, Reason: reason, RequestId: cfg.requestID, ResumeToken: cfg.resumeToken}
	res, err := unary(cfg.tokenContext(ctx), c.runs.RejectFlowRun, req)
	if err != nil {
		return nil, err
	}
	return flowRunFromPB(res.GetFlowRun()), nil
}

// ListResumeLinks lists a run's resume links (never their tokens): who each is for, whether it was
// used or revoked. Errors: ErrFlowRunNotFound.
func (c *Client) ListResumeLinks(ctx context.Context, runID string) ([]*ResumeLinkInfo, error) {
	res, err := unary(ctx, c.runs.ListResumeLinks, &flowgatev1.ListResumeLinksRequest{FlowRunId: runID})
	if err != nil {
		return nil, err
	}
	out := make([]*ResumeLinkInfo, 0, len(res.GetLinks()))
	for _, l := range res.GetLinks() {
		out = append(out, resumeLinkInfoFromPB(l))
	}
	return out, nil
}

// RevokeResumeLink revokes one resume link: it is refused from then on (revoking it again answers it
// unchanged). Errors: ErrResumeLinkInvalid for an unknown link id.
func (c *Client) RevokeResumeLink(ctx context.Context, linkID string) (*ResumeLinkInfo, error) {
	res, err := unary(ctx, c.runs.RevokeResumeLink, &flowgatev1.RevokeResumeLinkRequest{LinkId: linkID})
	if err != nil {
		return nil, err
	}
	return resumeLinkInfoFromPB(res.GetLink()), nil
}

// pauseFields is what PauseFlowRun's and SuspendFlowRun's requests share, converted once.
type pauseFields struct {
	timeoutSeconds *int64
	inputSchema    *structpb.Struct
	inputInitial   *structpb.Struct
	approval       *flowgatev1.ApprovalPolicy
	onTimeout      *flowgatev1.TimeoutPolicy
}

func newPauseFields(timeout time.Duration, schema, initial map[string]any, approval *ApprovalPolicy, onTimeout *TimeoutPolicy) (pauseFields, error) {
	var f pauseFields
	var err error
	if timeout > 0 {
		secs := int64(timeout.Seconds())
		f.timeoutSeconds = &secs
	}
	if schema != nil {
		if f.inputSchema, err = toStruct(schema); err != nil {
			return f, fmt.Errorf("flowgate: input schema: %w", err)
		}
	}
	if initial != nil {
		if f.inputInitial, err = toStruct(initial); err != nil {
			return f, fmt.Errorf("flowgate: input initial: %w", err)
		}
	}
	if f.approval, err = approvalPolicyToPB(approval); err != nil {
		return f, err
	}
	f.onTimeout, err = timeoutPolicyToPB(onTimeout)
	return f, err
}

// PauseFlowRun pauses a RUNNING run in-process (with Reschedule, like SuspendFlowRun): what a flow's
// own process does, then WaitForResume. opts.Approval says who may resume or reject it, how many must
// agree and which resume links to hand out; opts.OnTimeout what its timeout does. The result has the
// links, with their tokens (only ever returned here). Errors: ErrTransitionRefused for a run that is
// not running; ErrInvalidArgument (key, schema, timeout, policy); ErrFlowRunNotFound.
func (c *Client) PauseFlowRun(ctx context.Context, runID string, opts PauseOptions) (*PauseResult, error) {
	f, err := newPauseFields(opts.Timeout, opts.InputSchema, opts.InputInitial, opts.Approval, opts.OnTimeout)
	if err != nil {
		return nil, err
	}
	res, err := unary(ctx, c.runs.PauseFlowRun, &flowgatev1.PauseFlowRunRequest{
		FlowRunId:        runID,
		Key:              opts.Key,
		TimeoutSeconds:   f.timeoutSeconds,
		NoTimeout:        opts.NoTimeout,
		Reschedule:       opts.Reschedule,
		InputSchema:      f.inputSchema,
		InputDescription: opts.InputDescription,
		InputInitial:     f.inputInitial,
		RequestId:        requestID([]CallOption{WithRequestID(opts.RequestID)}),
		Approval:         f.approval,
		OnTimeout:        f.onTimeout,
	})
	if err != nil {
		return nil, err
	}
	return &PauseResult{
		FlowRun:      flowRunFromPB(res.GetFlowRun()),
		Links:        resumeLinksFromPB(res.GetLinks()),
		AlreadyFired: res.GetAlreadyFired(),
		RunInput:     mapFromPB(res.GetRunInput()),
	}, nil
}

// SuspendFlowRun suspends a RUNNING run (PAUSED "Suspended"); its process should end. Approval and
// OnTimeout as in PauseFlowRun, whose result (the run with its resume links) it returns. Errors:
// ErrTransitionRefused for subflows, runs without a deployment and runs that are not running;
// ErrFlowRunNotFound.
func (c *Client) SuspendFlowRun(ctx context.Context, runID string, opts SuspendOptions) (*PauseResult, error) {
	f, err := newPauseFields(opts.Timeout, opts.InputSchema, opts.InputInitial, opts.Approval, opts.OnTimeout)
	if err != nil {
		return nil, err
	}
	res, err := unary(ctx, c.runs.SuspendFlowRun, &flowgatev1.SuspendFlowRunRequest{
		FlowRunId:        runID,
		Key:              opts.Key,
		TimeoutSeconds:   f.timeoutSeconds,
		NoTimeout:        opts.NoTimeout,
		InputSchema:      f.inputSchema,
		InputDescription: opts.InputDescription,
		InputInitial:     f.inputInitial,
		RequestId:        requestID([]CallOption{WithRequestID(opts.RequestID)}),
		Approval:         f.approval,
		OnTimeout:        f.onTimeout,
	})
	if err != nil {
		return nil, err
	}
	return &PauseResult{
		FlowRun:      flowRunFromPB(res.GetFlowRun()),
		Links:        resumeLinksFromPB(res.GetLinks()),
		AlreadyFired: res.GetAlreadyFired(),
		RunInput:     mapFromPB(res.GetRunInput()),
	}, nil
}

// CancelFlowRun cancels a run. Errors: ErrAlreadyFinal for a run in a final state; ErrFlowRunNotFound.
func (c *Client) CancelFlowRun(ctx context.Context, runID string, opts ...CallOption) (*FlowRun, error) {
	res, err := unary(ctx, c.runs.CancelFlowRun, &flowgatev1.CancelFlowRunRequest{FlowRunId: runID, RequestId: requestID(opts)})
	if err != nil {
		return nil, err
	}
	return flowRunFromPB(res.GetFlowRun()), nil
}

// WatchFlowRun streams the run's current state (Initial), then every change in order, and ends after
// a final state. Leaving the range loop, or ctx ending, cancels the stream. An error is yielded once,
// as the last element.
//
//	for ev, err := range c.WatchFlowRun(ctx, id) { ... }
//
// A dropped stream (a server restart, the network) is reopened with backoff (see ReconnectDelay;
// WithOnReconnect reports each reopening) until ctx ends; the reopened watch resumes from the run's
// current state and never yields a version twice or out of order (changes made while it was down
// arrive as one change from the last state yielded). Failures no reopening can mend (ErrFlowRunNotFound,
// ErrUnauthenticated, ...) end it at once; see IsTransient.
func (c *Client) WatchFlowRun(ctx context.Context, runID string, opts ...WaitOption) iter.Seq2[*FlowRunEvent, error] {
	return func(yield func(*FlowRunEvent, error) bool) {
		r := newReconnects(opts)
		var last *FlowRunEvent
		for {
			stopped, cause := c.watchOnce(ctx, runID, r, &last, yield)
			if stopped || (last != nil && last.FlowRun.StateType().IsFinal()) {
				return
			}
			if err := r.failed(ctx, cause); err != nil {
				yield(nil, err)
				return
			}
		}
	}
}

// watchOnce follows one WatchFlowRun stream: the failure that ended it, or stopped when the consumer
// stopped ranging.
func (c *Client) watchOnce(ctx context.Context, runID string, r *reconnects, last **FlowRunEvent,
	yield func(*FlowRunEvent, error) bool) (stopped bool, cause error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.runs.WatchFlowRun(ctx, &flowgatev1.WatchFlowRunRequest{FlowRunId: runID}, r.callOptions()...)
	if err != nil {
		return false, fromRPC(err)
	}
	for {
		res, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return false, streamEnded()
		}
		if err != nil {
			return false, fromRPC(err)
		}
		ev := nextWatchEvent(*last, eventFromPB(res.GetEvent()))
		if ev == nil {
			continue
		}
		*last = ev
		if !yield(ev, nil) {
			return true, nil
		}
	}
}

// nextWatchEvent is what a reopened watch yields for ev after last: nil for a version already
// yielded (each reopened watch sends the current state first); a reopened watch's first event
// becomes a change from the last state the consumer saw.
func nextWatchEvent(last, ev *FlowRunEvent) *FlowRunEvent {
	if last == nil {
		return ev
	}
	if ev.FlowRun.Version <= last.FlowRun.Version {
		return nil
	}
	if ev.Initial {
		changed := *ev
		changed.Initial, changed.PreviousState = false, last.FlowRun.State
		return &changed
	}
	return ev
}

// WaitForResume blocks while the run's pause (key, or its current pause when key is "") is pending,
// and returns the input it was resumed with (an empty map when none); WaitForResumeResult also returns
// the approvals. For a pause that already ended it answers at once. When the pause ends otherwise it
// returns a *PauseEndedError wrapping ErrPauseRejected (with Rejection), ErrPauseTimedOut,
// ErrRunCancelled or ErrRunSuspended: final outcomes, never retried. Bound the wait with ctx. Errors:
// ErrFlowRunNotFound; ErrPauseNotFound (no such key); ErrNotPaused (no key and the run is not paused).
//
// The wait survives a server restart: a dropped or silent stream is reopened, waiting for the server
// to be ready, with exponential backoff and full jitter (ReconnectDelay: 200 ms doubling up to 10 s,
// at least 1 s when the server answered it cannot serve yet) until an outcome or the end of ctx.
// WithOnReconnect reports each reopening. When ctx ends after failures, the error returned also
// wraps the last of them (say, ErrUnavailable naming how the client tried to connect).
func (c *Client) WaitForResume(ctx context.Context, runID, key string, opts ...WaitOption) (map[string]any, error) {
	r, err := c.WaitForResumeResult(ctx, runID, key, opts...)
	if err != nil {
		return nil, err
	}
	return r.Input, nil
}

// WaitForResumeResult is WaitForResume returning how the pause was resumed: the input and every
// approval in order (the last one completed the quorum).
func (c *Client) WaitForResumeResult(ctx context.Context, runID, key string, opts ...WaitOption) (*Resumed, error) {
	r := newReconnects(opts)
	req := &flowgatev1.WaitForResumeRequest{FlowRunId: runID, Key: key, HeartbeatSeconds: waitHeartbeatSeconds}
	for {
		resumed, final, err := c.waitOnce(ctx, req, r)
		if final {
			return resumed, err
		}
		if err := r.failed(ctx, err); err != nil {
			return nil, err
		}
	}
}

// waitOnce follows one WaitForResume stream: final with the pause's outcome (the input, or a
// *PauseEndedError), else the failure that ended the stream (the caller decides whether to reopen).
func (c *Client) waitOnce(ctx context.Context, req *flowgatev1.WaitForResumeRequest, r *reconnects) (*Resumed, bool, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.runs.WaitForResume(ctx, req, r.callOptions()...)
	if err != nil {
		return nil, false, fromRPC(err)
	}
	var silent atomic.Bool
	idle := time.AfterFunc(waitIdle, func() { silent.Store(true); cancel() })
	defer idle.Stop()
	for {
		res, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil, false, streamEnded()
		}
		if err != nil {
			if silent.Load() {
				return nil, false, fellSilent()
			}
			return nil, false, fromRPC(err)
		}
		idle.Reset(waitIdle)
		if req.GetKey() == "" && res.GetKey() != "" { // reopen on this pause, not on whatever pause comes next
			req.Key = res.GetKey()
		}
		if res.GetType() == flowgatev1.WaitEventType_WAIT_EVENT_TYPE_HEARTBEAT {
			continue
		}
		var run *FlowRun
		if res.GetFlowRun() != nil {
			run = flowRunFromPB(res.GetFlowRun())
		}
		ended := &PauseEndedError{Key: res.GetKey(), FlowRun: run}
		switch res.GetType() {
		case flowgatev1.WaitEventType_WAIT_EVENT_TYPE_RESUMED:
			input := map[string]any{}
			if res.GetRunInput() != nil {
				input = res.GetRunInput().AsMap()
			}
			return &Resumed{Key: res.GetKey(), Input: input, Approvals: approvalsFromPB(res.GetApprovals()), FlowRun: run}, true, nil
		case flowgatev1.WaitEventType_WAIT_EVENT_TYPE_REJECTED:
			ended.Reason, ended.Rejection = ErrPauseRejected, rejectionFromPB(res.GetRejection())
		case flowgatev1.WaitEventType_WAIT_EVENT_TYPE_TIMED_OUT:
			ended.Reason = ErrPauseTimedOut
		case flowgatev1.WaitEventType_WAIT_EVENT_TYPE_CANCELLED:
			ended.Reason = ErrRunCancelled
		case flowgatev1.WaitEventType_WAIT_EVENT_TYPE_SUSPENDED:
			ended.Reason = ErrRunSuspended
		default: // a type this client does not know yet: keep waiting for one it knows
			continue
		}
		return nil, true, ended
	}
}

// toStruct goes through JSON so that any JSON-encodable values ([]string, structs, ...) are accepted.
func toStruct(m map[string]any) (*structpb.Struct, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var plain map[string]any
	if err := json.Unmarshal(b, &plain); err != nil {
		return nil, err
	}
	return structpb.NewStruct(plain)
}
