package flowgate

import (
	"fmt"
	"time"
)

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

// Actor is who caused something: a principal ("alice"; "link" for a shared resume link, "timeout" for
// a timeout policy's resume) and the channel its call came through ("go", "link", "server", ...).
type Actor struct {
	Principal string
	Channel   string
}

// State is one state of a flow run.
type State struct {
	ID        string
	Type      StateType
	Name      string
	Message   string
	Timestamp time.Time
	Details   StateDetails
	By        *Actor // who made the run enter this state; nil for states stored before it was recorded
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
	// Approval says who may resume it and how many must agree; nil: anyone holding runs:resume, one
	// is enough.
	Approval *ApprovalPolicy
	// Approvals are the approvals recorded so far (below the quorum the run stays PAUSED).
	Approvals  []Approval
	PausedBy   string // the principal whose call paused the run
	InstanceID string // this pause instance: a re-executed run pausing on the same key gets a new one
	OnTimeout  *TimeoutPolicy
}

// ResumeLinks says which single-use resume links a pause hands out.
type ResumeLinks string

const (
	// NoResumeLinks: none (the zero value).
	NoResumeLinks ResumeLinks = ""
	// LinksPerApprover: one link per principal named in Approvers (group entries get none); using it
	// acts as that principal.
	LinksPerApprover ResumeLinks = "PER_APPROVER"
	// LinksShared: one link for anyone holding it; its approval is recorded as principal "link".
	LinksShared ResumeLinks = "SHARED"
)

// ApprovalPolicy says who may resume (or reject) a pause and how many must agree. The server enforces
// it the same way on every path (gRPC, HTTP API, web UI, CLI, resume links).
type ApprovalPolicy struct {
	// Approvers are principal names ("alice") and groups ("group:finance"); empty: anyone holding
	// runs:resume.
	Approvers []string
	// Required is how many distinct approvers must approve: 1 when 0, at most 20.
	Required int32
	// AllowSelfApproval lets the principal that paused the run approve or reject it.
	AllowSelfApproval bool
	// Links asks for resume links, returned in PauseResult.Links.
	Links ResumeLinks
}

// TimeoutAction is what a pause's timeout does.
type TimeoutAction string

const (
	// TimeoutFail fails the run ("paused and never resumed"), as Prefect does; the default ("").
	TimeoutFail TimeoutAction = "FAIL"
	// TimeoutResume resumes the run with TimeoutPolicy.Input, as if approved by the principal "timeout".
	TimeoutResume TimeoutAction = "RESUME"
)

// TimeoutPolicy says what a pause's timeout does.
type TimeoutPolicy struct {
	Action TimeoutAction
	// Input is the input to resume with (TimeoutResume), validated against the pause's schema when the
	// pause is made.
	Input map[string]any
	// RemindAfter is when, after the pause began, one "reminder" webhook event is sent if the pause
	// still waits; before the expiry. Rounded down to whole seconds; 0: no reminder.
	RemindAfter time.Duration
}

// Approval is one approver's yes: who, when, with which input; LinkID when it came through a link.
type Approval struct {
	By     Actor
	At     time.Time
	Input  map[string]any // nil when it carried none
	LinkID string
}

// Rejection is the one no that ended a pause: who, when and why; LinkID when it came through a link.
type Rejection struct {
	By     Actor
	At     time.Time
	Reason string
	LinkID string
}

// ResumeLink is a single-use resume link as the pause that made it returns it: the only place its
// token appears. Whoever holds it may approve or reject that pause once, without an API key
// (WithResumeToken), acting as Approver ("" for a shared link). The token and the URL (which contains
// it) are secrets: String and GoString leave them out.
type ResumeLink struct {
	ID       string
	Approver string
	URL      string // <web UI>/approve/<token>
	Token    string
}

func (l ResumeLink) String() string {
	return fmt.Sprintf("ResumeLink{ID:%s Approver:%q URL:(redacted) Token:(redacted)}", l.ID, l.Approver)
}

func (l ResumeLink) GoString() string { return "flowgate." + l.String() }

// ResumeLinkInfo is a resume link as ListResumeLinks shows it: never its token.
type ResumeLinkInfo struct {
	ID              string
	FlowRunID       string
	PauseKey        string
	PauseInstanceID string
	Approver        string // "" for a shared link
	CreatedAt       time.Time
	UsedAt          time.Time // zero until used for a decision
	RevokedAt       time.Time // zero unless revoked
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
	// AwaitingMe: only PAUSED runs the caller may approve now and has not approved yet, newest first.
	AwaitingMe bool
}

// SuspendOptions configure SuspendFlowRun. The zero value suspends with the run's next pause key and
// the server's default timeout (one hour), without an approval policy.
type SuspendOptions struct {
	Key              string
	Timeout          time.Duration // rounded down to whole seconds; 0 = server default
	NoTimeout        bool
	InputSchema      map[string]any
	InputDescription string
	InputInitial     map[string]any
	Approval         *ApprovalPolicy // who may resume or reject, how many must agree, which links
	OnTimeout        *TimeoutPolicy  // what the timeout does; nil: it fails the run
	RequestID        string          // generated when empty
}

// PauseOptions configure PauseFlowRun: as SuspendOptions, and Reschedule (an out-of-process pause,
// exactly like SuspendFlowRun).
type PauseOptions struct {
	Key              string
	Timeout          time.Duration // rounded down to whole seconds; 0 = server default
	NoTimeout        bool
	Reschedule       bool
	InputSchema      map[string]any
	InputDescription string
	InputInitial     map[string]any
	Approval         *ApprovalPolicy
	OnTimeout        *TimeoutPolicy
	RequestID        string
}

// PauseResult is what PauseFlowRun and SuspendFlowRun return: the run, and the resume links its
// approval policy asked for, with their tokens (this is the only place they appear). AlreadyFired is
// set when the key had already fired on this run (nothing changed), with RunInput, the input that
// pause was resumed with.
type PauseResult struct {
	*FlowRun
	Links        []ResumeLink
	AlreadyFired bool
	RunInput     map[string]any
}

// ResumeResult is what ResumeFlowRun returns: the run as the call left it, and Resumed, false when the
// call recorded an approval and the quorum is not met yet (the run is still PAUSED).
type ResumeResult struct {
	*FlowRun
	Resumed bool
}

// Resumed is how a waited-on pause was resumed (WaitForResumeResult): its input (an empty map when
// none) and every approval in order (the last one completed the quorum; empty without a policy).
type Resumed struct {
	Key       string
	Input     map[string]any
	Approvals []Approval
	FlowRun   *FlowRun
}
