package flowgate

// When a dropped stream is worth reopening, and how soon: the rules of the TypeScript SDK's
// followStream (client-sdk/src/runtime/follow-stream.ts), for WaitForResumeResult and WatchFlowRun.

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const (
	// ReconnectBase is the ceiling of the first wait before reopening; each failure in a row doubles it.
	ReconnectBase = 200 * time.Millisecond
	// ReconnectMax is the highest ceiling: a long outage is retried every 5 s on average.
	ReconnectMax = 10 * time.Second
	// ReconnectNotReady is the least ceiling after the server itself said it cannot serve yet
	// (UNAVAILABLE or RESOURCE_EXHAUSTED with a reason); its HTTP API's Retry-After says 1 s.
	ReconnectNotReady = time.Second
	// ReconnectStable is how long a stream must stay open for its next failure to count as the first again.
	ReconnectStable = 10 * time.Second

	// waitHeartbeatSeconds is asked of the server on WaitForResume; a wait silent for three heartbeats
	// is reopened (a half-open connection to a server that vanished shows no error).
	waitHeartbeatSeconds = 10
	waitIdle             = 3 * waitHeartbeatSeconds * time.Second
)

// ReconnectDelay is how long to wait before reopening after failures failures in a row (1 for the
// first), the last being cause: a random wait in [0, ceiling), the ceiling doubling from
// ReconnectBase up to ReconnectMax ("full jitter": clients dropped together do not come back
// together); at least ReconnectNotReady when the server said it cannot serve yet. random returns a
// number in [0, 1); nil means math/rand/v2.
func ReconnectDelay(failures int, cause error, random func() float64) time.Duration {
	if random == nil {
		random = rand.Float64
	}
	exponent := min(max(failures-1, 0), 30)
	ceiling := min(ReconnectMax, ReconnectBase<<exponent)
	if ceiling <= 0 { // shifted past the range of a Duration
		ceiling = ReconnectMax
	}
	if saysNotReady(cause) {
		ceiling = max(ceiling, min(ReconnectNotReady, ReconnectMax))
	}
	return time.Duration(random() * float64(ceiling))
}

// failuresAfter is the count of failures in a row once one more stream failed after being open for
// open: a stream that stayed open ReconnectStable had recovered, so its failure counts as the first.
func failuresAfter(failures int, open time.Duration) int {
	if open >= ReconnectStable {
		return 1
	}
	return failures + 1
}

// saysNotReady: the server itself answered that it cannot serve now (a reason comes from the server;
// a connection that failed has none).
func saysNotReady(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Reason != "" && (e.Code == codes.Unavailable || e.Code == codes.ResourceExhausted)
}

// IsTransient reports whether a failed wait or watch is worth reopening: the server was unreachable,
// went away mid-call or was too busy (ErrUnavailable, ErrContention, ErrTooManyStreams, or the codes
// Canceled by the server, DeadlineExceeded, Unavailable). Everything else — not found, invalid,
// refused, unauthenticated, permission denied, internal (a response this client cannot decode) and
// every pause outcome (*PauseEndedError) — fails the same way again.
func IsTransient(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	if errors.Is(e, ErrUnavailable) || errors.Is(e, ErrContention) || errors.Is(e, ErrTooManyStreams) {
		return true
	}
	switch e.Code {
	case codes.Canceled, codes.DeadlineExceeded, codes.Unavailable:
		return true
	}
	return false
}

// WaitOption configures WaitForResume, WaitForResumeResult and WatchFlowRun.
type WaitOption func(*waitConfig)

type waitConfig struct {
	onReconnect func(attempt int, cause error, delay time.Duration)
}

// WithOnReconnect calls fn before each reopening of the stream, with the failures in a row so far,
// the last one, and the wait chosen (for logs and metrics).
func WithOnReconnect(fn func(attempt int, cause error, delay time.Duration)) WaitOption {
	return func(c *waitConfig) { c.onReconnect = fn }
}

// reconnects is one wait's reopenings: opened before each attempt, failed after one.
type reconnects struct {
	cfg      waitConfig
	failures int
	openedAt time.Time
	last     error // the last transient failure, told when ctx ends
}

func newReconnects(opts []WaitOption) *reconnects {
	r := &reconnects{}
	for _, o := range opts {
		o(&r.cfg)
	}
	return r
}

// callOptions is how the next attempt opens: every reopening waits for the connection to be ready (a
// restarting server is waited for, not hammered); the first attempt fails fast, so that a client that
// cannot reach its server at all (a wrong address, TLS to a plaintext server) says so at once through
// WithOnReconnect, and in the error returned when ctx ends.
func (r *reconnects) callOptions() []grpc.CallOption {
	r.openedAt = time.Now()
	return []grpc.CallOption{grpc.WaitForReady(r.failures > 0)}
}

// failed returns nil after sleeping the backoff when err is worth a reopening, and otherwise the
// error to return: err itself, or — once ctx ended — err joined with the last transient failure.
func (r *reconnects) failed(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return r.ended(ctx, err)
	}
	if !IsTransient(err) {
		return err
	}
	r.last = err
	r.failures = failuresAfter(r.failures, time.Since(r.openedAt))
	delay := ReconnectDelay(r.failures, err, nil)
	if r.cfg.onReconnect != nil {
		r.cfg.onReconnect(r.failures, err, delay)
	}
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return r.ended(ctx, nil)
	}
}

// ended is the error of a wait whose ctx ended: the attempt's own (a DeadlineExceeded or Canceled
// *Error) or ctx's, with the last failure the reopenings were getting past, if any.
func (r *reconnects) ended(ctx context.Context, err error) error {
	if err == nil {
		err = fromRPC(status.FromContextError(ctx.Err()).Err())
	}
	if r.last == nil || errors.Is(err, r.last) {
		return err
	}
	return errors.Join(r.last, err)
}

// streamEnded and fellSilent are the failures of a stream that ended without its final event, or
// delivered nothing for waitIdle: reopened like a dropped one.
func streamEnded() error {
	return &Error{Code: codes.Unavailable, Message: "the stream ended; reopening it"}
}

func fellSilent() error {
	return &Error{Code: codes.Unavailable, Message: "the stream fell silent; reopening it"}
}

// connectBackoff caps grpc's own reconnection backoff (which a wait-for-ready call waits on) like
// ours, instead of its default 120 s.
func connectBackoff() grpc.DialOption {
	cfg := backoff.DefaultConfig
	cfg.MaxDelay = ReconnectMax
	return grpc.WithConnectParams(grpc.ConnectParams{Backoff: cfg, MinConnectTimeout: 20 * time.Second})
}
