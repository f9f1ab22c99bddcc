package flowgate

import "time"

// StateType is the kind of a state, following Prefect's state types.
type StateType string

const (
	StateScheduled  StateType = "SCHEDULED"
	StatePending    StateType = "PENDING"
	StateRunning    StateType = "RUNNING"
	StatePaused     StateType = "PAUSED"
	StateCompleted  StateType = "COMPLETED"
	StateFailed     StateType = "FAILED"
	StateCancelled  StateType = "CANCELLED"
	StateCrashed    StateType = "CRASHED"
	StateCancelling StateType = "CANCELLING"
)

// IsFinal reports whether no further state change can follow.
func (t StateType) IsFinal() bool {
	switch t {
	case StateCompleted, StateFailed, StateCancelled, StateCrashed:
		return true
	}
	return false
}

// StateDetails are details some states carry. A "Suspended" state is PAUSED with PauseReschedule.
type StateDetails struct {
	PauseKey        string
	PauseExpiresAt  time.Time // zero for a pause without timeout
	PauseReschedule bool
	RunInputKeyset  string
	DeploymentID    string
}

// State is one state of a flow run.
type State struct {
	ID        string
	Type      StateType
	Name      string
	Message   string
	Timestamp time.Time
	Details   StateDetails
}

// Pause is the pause a run is in, with what a resumer needs to know.
type Pause struct {
	Key              string
	Reschedule       bool
	ExpiresAt        time.Time      // zero when the pause never expires
	InputSchema      map[string]any // nil when the pause takes no input
	InputDescription string
	InputInitial     map[string]any
	CreatedAt        time.Time
}

// FlowRun is a run of a flow.
type FlowRun struct {
	ID              string
	Name            string
	FlowName        string
	DeploymentID    string
	ParentFlowRunID string
	ParentTaskRunID string
	Parameters      map[string]any
	State           *State // nil only for a run created without a state
	Version         int64
	RunCount        int32
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Pause           *Pause // set while the run is PAUSED
	Labels          map[string]string
}

// StateType is the type of the run's current state, "" for a run without a state.
func (r *FlowRun) StateType() StateType {
	if r == nil || r.State == nil {
		return ""
	}
	return r.State.Type
}

// FlowRunEvent is one state change of a flow run, as streamed by WatchFlowRun.
type FlowRunEvent struct {
	FlowRun *FlowRun
	// PreviousState is the state before the change; nil for the first event of a watch.
	PreviousState *State
	// Initial is true for the first event of a watch, which reports the current state.
	Initial bool
}

// FlowRunPage is one page of ListFlowRuns; NextPageToken is empty on the last page.
type FlowRunPage struct {
	FlowRuns      []*FlowRun
	NextPageToken string
}

// ListOptions filter ListFlowRuns. The zero value lists every run, 50 per page.
type ListOptions struct {
	StateTypes      []StateType
	FlowName        string
	DeploymentID    string
	ParentFlowRunID string
	PageSize        int32
	PageToken       string
}

// SuspendOptions configure SuspendFlowRun. The zero value suspends with the run's next pause key and
// the server's default timeout (one hour).
type SuspendOptions struct {
	Key              string
	Timeout          time.Duration // rounded down to whole seconds; 0 = server default
	NoTimeout        bool
	InputSchema      map[string]any
	InputDescription string
	RequestID        string // generated when empty
}
