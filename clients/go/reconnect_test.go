package flowgate_test

import (
	"errors"
	"testing"
	"time"

	flowgate "github.com/flowgate/flowgate/clients/go"
	"google.golang.org/grpc/codes"
)

// How soon a dropped wait is reopened, and which failures are worth it: the TypeScript SDK's rules
// (client-sdk/src/runtime/follow-stream.ts), without a server.

const almostOne = 1 - 1e-9

var (
	// unreachable is a connection that failed: UNAVAILABLE from grpc itself, with no reason.
	unreachable = &flowgate.Error{Code: codes.Unavailable, Message: "connection refused"}
	storeDown   = &flowgate.Error{Code: codes.Unavailable, Reason: "STORE_UNAVAILABLE", Message: "store unavailable"}
	tooMany     = &flowgate.Error{Code: codes.ResourceExhausted, Reason: "TOO_MANY_STREAMS", Message: "too many streams"}
)

func ceiling(failures int, cause error) time.Duration {
	return flowgate.ReconnectDelay(failures, cause, func() float64 { return almostOne })
}

func near(got, want time.Duration) bool {
	d := got - want
	return d > -time.Millisecond && d < time.Millisecond
}

func TestTheFirstReconnectWaitsAtMostTheBaseAndMayNotWaitAtAll(t *testing.T) {
	if got := flowgate.ReconnectDelay(1, unreachable, func() float64 { return 0 }); got != 0 {
		t.Fatalf("want 0, got %v", got)
	}
	if got := ceiling(1, unreachable); !near(got, flowgate.ReconnectBase) {
		t.Fatalf("want the base, got %v", got)
	}
}

func TestEachFailureInARowDoublesTheCeilingUpToTheCap(t *testing.T) {
	for i, want := range []time.Duration{200, 400, 800, 1600, 3200, 6400, 10_000, 10_000} {
		if got := ceiling(i+1, unreachable); !near(got, want*time.Millisecond) {
			t.Fatalf("failure %d: want %v, got %v", i+1, want*time.Millisecond, got)
		}
	}
	if got := ceiling(10_000, unreachable); !near(got, flowgate.ReconnectMax) {
		t.Fatalf("many failures: want the cap, got %v", got)
	}
	for n := 1; n < 60; n++ {
		if got := flowgate.ReconnectDelay(n, unreachable, nil); got < 0 || got >= flowgate.ReconnectMax {
			t.Fatalf("failure %d: %v out of [0, cap)", n, got)
		}
	}
}

func TestAServerThatSaysItCannotServeYetGetsAtLeastASecondOfCeiling(t *testing.T) {
	for _, cause := range []error{storeDown, tooMany} {
		if got := ceiling(1, cause); !near(got, flowgate.ReconnectNotReady) {
			t.Fatalf("%v: want the not-ready floor, got %v", cause, got)
		}
	}
	if got := ceiling(1, unreachable); got >= flowgate.ReconnectNotReady {
		t.Fatalf("a failed connection has no reason: want the base, got %v", got)
	}
	if got := ceiling(8, storeDown); !near(got, flowgate.ReconnectMax) {
		t.Fatalf("the floor never lowers a grown ceiling: got %v", got)
	}
}

func TestADroppedOrBusyServerIsWorthAReconnect(t *testing.T) {
	for _, err := range []error{
		unreachable, storeDown, tooMany,
		&flowgate.Error{Code: codes.Aborted, Reason: "CONTENTION"},
		&flowgate.Error{Code: codes.Canceled, Message: "cut by the server"},
		&flowgate.Error{Code: codes.DeadlineExceeded},
	} {
		if !flowgate.IsTransient(err) {
			t.Errorf("%v: want transient", err)
		}
	}
}

func TestAFailureNoReconnectCanMendIsNeverRetried(t *testing.T) {
	for _, err := range []error{
		&flowgate.Error{Code: codes.NotFound, Reason: "FLOW_RUN_NOT_FOUND"},
		&flowgate.Error{Code: codes.NotFound, Reason: "PAUSE_NOT_FOUND"},
		&flowgate.Error{Code: codes.InvalidArgument, Reason: "INVALID_ARGUMENT"},
		&flowgate.Error{Code: codes.PermissionDenied, Reason: "PERMISSION_DENIED"},
		&flowgate.Error{Code: codes.Unauthenticated, Reason: "UNAUTHENTICATED"},
		&flowgate.Error{Code: codes.Internal, Message: "grpc: failed to unmarshal the received message"},
		&flowgate.PauseEndedError{Reason: flowgate.ErrPauseRejected},
		&flowgate.PauseEndedError{Reason: flowgate.ErrPauseTimedOut},
		&flowgate.PauseEndedError{Reason: flowgate.ErrRunCancelled},
		&flowgate.PauseEndedError{Reason: flowgate.ErrRunSuspended},
		errors.New("not a call's failure"),
	} {
		if flowgate.IsTransient(err) {
			t.Errorf("%v: want final", err)
		}
	}
}
