package flowgate

import (
	"context"
	"time"

	flowgatev1 "github.com/flowgate/flowgate/clients/go/gen/flowgate/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// AuditState is a state as an audit entry names it.
type AuditState struct {
	ID   string
	Type StateType
	Name string
}

// AuditEvent is one entry of the audit trail: every mutating call that succeeded, hash-chained.
type AuditEvent struct {
	Sequence    int64 // its place in the chain, from 1
	ID          string
	Time        time.Time
	Principal   string
	KeyID       string // "" with authentication disabled
	Channel     string // "grpc", "http-api", "web-ui", "cli", "sdk", "python", "go", "link"
	Call        string // "flowgate.v1.RunService/ResumeFlowRun", "POST /api/runs/:id/resume", ...
	CallID      string
	RequestID   string
	FlowRunID   string
	PauseKey    string
	StateBefore *AuditState
	StateAfter  *AuditState
	Input       map[string]any // a resume's input when its JSON is at most 4 KiB; else only InputSHA256
	InputSHA256 string
	Subject     string // "deployment:<id>", "task-run:<id>", "input:<key>", "key:<id>"
	PrevHash    string
	Hash        string
}

// AuditFilter selects ListAuditEvents' entries; the zero value lists every entry, oldest first.
type AuditFilter struct {
	FlowRunID string
	Principal string
	Start     time.Time // entries at or after it; zero: unbounded
	End       time.Time // entries before it; zero: unbounded
	PageSize  int32
	PageToken string
}

// AuditEventPage is one page of ListAuditEvents; NextPageToken is empty on the last page.
type AuditEventPage struct {
	Events        []*AuditEvent
	NextPageToken string
}

// AuditChainVerdict is VerifyAuditChain's answer: intact, or the first entry where the chain breaks
// (Problem "hash": edited; "link": the entry before edited or removed; "gap": entries missing).
type AuditChainVerdict struct {
	Intact         bool
	Checked        int64
	BrokenSequence int64
	BrokenID       string
	Problem        string
}

// ListAuditEvents lists audit entries, oldest first: of one run, one principal, and/or a time range
// [Start, End). Scope runs:read. Errors: ErrInvalidArgument (page size or token, End before Start).
func (c *Client) ListAuditEvents(ctx context.Context, f AuditFilter) (*AuditEventPage, error) {
	req := &flowgatev1.ListAuditEventsRequest{FlowRunId: f.FlowRunID, Principal: f.Principal, PageSize: f.PageSize, PageToken: f.PageToken}
	if !f.Start.IsZero() {
		req.StartTime = timestamppb.New(f.Start)
	}
	if !f.End.IsZero() {
		req.EndTime = timestamppb.New(f.End)
	}
	res, err := unary(ctx, c.audit.ListAuditEvents, req)
	if err != nil {
		return nil, err
	}
	page := &AuditEventPage{NextPageToken: res.GetNextPageToken()}
	for _, e := range res.GetEvents() {
		page.Events = append(page.Events, auditEventFromPB(e))
	}
	return page, nil
}

// VerifyAuditChain recomputes the server's whole audit chain. Scope admin.
func (c *Client) VerifyAuditChain(ctx context.Context) (*AuditChainVerdict, error) {
	res, err := unary(ctx, c.audit.VerifyAuditChain, &flowgatev1.VerifyAuditChainRequest{})
	if err != nil {
		return nil, err
	}
	return &AuditChainVerdict{
		Intact:         res.GetIntact(),
		Checked:        res.GetChecked(),
		BrokenSequence: res.GetBrokenSequence(),
		BrokenID:       res.GetBrokenId(),
		Problem:        res.GetProblem(),
	}, nil
}

func auditStateFromPB(s *flowgatev1.AuditState) *AuditState {
	if s == nil {
		return nil
	}
	return &AuditState{ID: s.GetId(), Type: stateTypeFromPB(s.GetType()), Name: s.GetName()}
}

func auditEventFromPB(e *flowgatev1.AuditEvent) *AuditEvent {
	return &AuditEvent{
		Sequence:    e.GetSequence(),
		ID:          e.GetId(),
		Time:        timeFromPB(e.GetTime()),
		Principal:   e.GetPrincipal(),
		KeyID:       e.GetKeyId(),
		Channel:     e.GetChannel(),
		Call:        e.GetCall(),
		CallID:      e.GetCallId(),
		RequestID:   e.GetRequestId(),
		FlowRunID:   e.GetFlowRunId(),
		PauseKey:    e.GetPauseKey(),
		StateBefore: auditStateFromPB(e.GetStateBefore()),
		StateAfter:  auditStateFromPB(e.GetStateAfter()),
		Input:       mapFromPB(e.GetInput()),
		InputSHA256: e.GetInputSha256(),
		Subject:     e.GetSubject(),
		PrevHash:    e.GetPrevHash(),
		Hash:        e.GetHash(),
	}
}
