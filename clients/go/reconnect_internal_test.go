package flowgate

import "testing"

func TestAStreamThatStayedOpenLongEnoughStartsTheBackoffAfresh(t *testing.T) {
	if got := failuresAfter(0, 0); got != 1 {
		t.Fatalf("first failure: got %d", got)
	}
	if got := failuresAfter(6, ReconnectStable/20); got != 7 {
		t.Fatalf("a quick failure counts on: got %d", got)
	}
	if got := failuresAfter(6, ReconnectStable); got != 1 {
		t.Fatalf("after a stable stream: got %d", got)
	}
}

func event(version int64, state StateType, initial bool) *FlowRunEvent {
	return &FlowRunEvent{FlowRun: &FlowRun{Version: version, State: &State{Type: state}}, Initial: initial}
}

func TestAReopenedWatchNeverYieldsAVersionTwiceAndContinuesFromTheLastOneSeen(t *testing.T) {
	paused := event(3, StatePaused, true)
	if nextWatchEvent(nil, paused) != paused {
		t.Fatal("the first event is yielded as it is")
	}
	if nextWatchEvent(paused, event(3, StatePaused, true)) != nil || nextWatchEvent(paused, event(2, StateRunning, false)) != nil {
		t.Fatal("a version already yielded, or an older one, is skipped")
	}
	completed := nextWatchEvent(paused, event(5, StateCompleted, true))
	if completed == nil || completed.Initial || completed.PreviousState != paused.FlowRun.State {
		t.Fatalf("a newer state is a change from the last state seen: %+v", completed)
	}
}
