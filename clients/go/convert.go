package flowgate

import (
	"fmt"
	"strings"
	"time"

	flowgatev1 "github.com/flowgate/flowgate/clients/go/gen/flowgate/v1"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func stateTypeFromPB(t flowgatev1.StateType) StateType {
	if t == flowgatev1.StateType_STATE_TYPE_UNSPECIFIED {
		return ""
	}
	return StateType(strings.TrimPrefix(t.String(), "STATE_TYPE_"))
}

func stateTypeToPB(t StateType) flowgatev1.StateType {
	return flowgatev1.StateType(flowgatev1.StateType_value["STATE_TYPE_"+strings.ToUpper(string(t))])
}

func timeFromPB(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

func mapFromPB(s *structpb.Struct) map[string]any {
	if s == nil {
		return nil
	}
	return s.AsMap()
}

func stateFromPB(s *flowgatev1.State) *State {
	if s == nil {
		return nil
	}
	d := s.GetDetails()
	var by *Actor
	if s.GetBy() != nil {
		a := actorFromPB(s.GetBy())
		by = &a
	}
	return &State{
		By:        by,
		ID:        s.GetId(),
		Type:      stateTypeFromPB(s.GetType()),
		Name:      s.GetName(),
		Message:   s.GetMessage(),
		Timestamp: timeFromPB(s.GetTimestamp()),
		Details: StateDetails{
			PauseKey:        d.GetPauseKey(),
			PauseExpiresAt:  timeFromPB(d.GetPauseExpiresAt()),
			PauseReschedule: d.GetPauseReschedule(),
			RunInputKeyset:  d.GetRunInputKeyset(),
			DeploymentID:    d.GetDeploymentId(),
		},
	}
}

func flowRunFromPB(r *flowgatev1.FlowRun) *FlowRun {
	if r == nil {
		return nil
	}
	out := &FlowRun{
		ID:              r.GetId(),
		Name:            r.GetName(),
		FlowName:        r.GetFlowName(),
		DeploymentID:    r.GetDeploymentId(),
		ParentFlowRunID: r.GetParentFlowRunId(),
		ParentTaskRunID: r.GetParentTaskRunId(),
		Parameters:      mapFromPB(r.GetParameters()),
		State:           stateFromPB(r.GetState()),
		Version:         r.GetVersion(),
		RunCount:        r.GetRunCount(),
		CreatedAt:       timeFromPB(r.GetCreatedAt()),
		UpdatedAt:       timeFromPB(r.GetUpdatedAt()),
		Labels:          r.GetLabels(),
	}
	if out.Parameters == nil {
		out.Parameters = map[string]any{}
	}
	if p := r.GetPause(); p != nil {
		out.Pause = &Pause{
			Key:              p.GetKey(),
			Reschedule:       p.GetReschedule(),
			ExpiresAt:        timeFromPB(p.GetExpiresAt()),
			InputSchema:      mapFromPB(p.GetInputSchema()),
			InputDescription: p.GetInputDescription(),
			InputInitial:     mapFromPB(p.GetInputInitial()),
			CreatedAt:        timeFromPB(p.GetCreatedAt()),
			Approval:         approvalPolicyFromPB(p.GetApproval()),
			Approvals:        approvalsFromPB(p.GetApprovals()),
			PausedBy:         p.GetPausedBy(),
			InstanceID:       p.GetInstanceId(),
			OnTimeout:        timeoutPolicyFromPB(p.GetOnTimeout()),
		}
	}
	return out
}

func actorFromPB(a *flowgatev1.Actor) Actor {
	return Actor{Principal: a.GetPrincipal(), Channel: a.GetChannel()}
}

func approvalsFromPB(as []*flowgatev1.Approval) []Approval {
	out := make([]Approval, 0, len(as))
	for _, a := range as {
		out = append(out, Approval{By: actorFromPB(a.GetBy()), At: timeFromPB(a.GetAt()), Input: mapFromPB(a.GetInput()), LinkID: a.GetLinkId()})
	}
	return out
}

func rejectionFromPB(r *flowgatev1.Rejection) *Rejection {
	return &Rejection{By: actorFromPB(r.GetBy()), At: timeFromPB(r.GetAt()), Reason: r.GetReason(), LinkID: r.GetLinkId()}
}

func approvalPolicyFromPB(p *flowgatev1.ApprovalPolicy) *ApprovalPolicy {
	if p == nil {
		return nil
	}
	out := &ApprovalPolicy{Approvers: p.GetApprovers(), Required: max(p.GetRequired(), 1), AllowSelfApproval: p.GetAllowSelfApproval()}
	if p.GetLinks() != flowgatev1.ResumeLinks_RESUME_LINKS_UNSPECIFIED {
		out.Links = ResumeLinks(strings.TrimPrefix(p.GetLinks().String(), "RESUME_LINKS_"))
	}
	return out
}

func timeoutPolicyFromPB(p *flowgatev1.TimeoutPolicy) *TimeoutPolicy {
	if p == nil {
		return nil
	}
	action := TimeoutFail
	if p.GetAction() == flowgatev1.TimeoutAction_TIMEOUT_ACTION_RESUME {
		action = TimeoutResume
	}
	return &TimeoutPolicy{Action: action, Input: mapFromPB(p.GetInput()), RemindAfter: time.Duration(p.GetRemindAfterSeconds()) * time.Second}
}

func approvalPolicyToPB(p *ApprovalPolicy) (*flowgatev1.ApprovalPolicy, error) {
	if p == nil {
		return nil, nil
	}
	out := &flowgatev1.ApprovalPolicy{Approvers: p.Approvers, Required: p.Required, AllowSelfApproval: p.AllowSelfApproval}
	if p.Links != NoResumeLinks {
		v, ok := flowgatev1.ResumeLinks_value["RESUME_LINKS_"+strings.ToUpper(string(p.Links))]
		if !ok {
			return nil, fmt.Errorf("flowgate: approval links must be %q or %q, not %q", LinksPerApprover, LinksShared, p.Links)
		}
		out.Links = flowgatev1.ResumeLinks(v)
	}
	return out, nil
}

func timeoutPolicyToPB(p *TimeoutPolicy) (*flowgatev1.TimeoutPolicy, error) {
	if p == nil {
		return nil, nil
	}
	out := &flowgatev1.TimeoutPolicy{RemindAfterSeconds: int64(p.RemindAfter / time.Second)}
	if p.Action != "" {
		v, ok := flowgatev1.TimeoutAction_value["TIMEOUT_ACTION_"+strings.ToUpper(string(p.Action))]
		if !ok {
			return nil, fmt.Errorf("flowgate: timeout action must be %q or %q, not %q", TimeoutFail, TimeoutResume, p.Action)
		}
		out.Action = flowgatev1.TimeoutAction(v)
	}
	if p.Input != nil {
		s, err := toStruct(p.Input)
		if err != nil {
			return nil, fmt.Errorf("flowgate: timeout input: %w", err)
		}
		out.Input = s
	}
	return out, nil
}

func resumeLinksFromPB(ls []*flowgatev1.ResumeLink) []ResumeLink {
	out := make([]ResumeLink, 0, len(ls))
	for _, l := range ls {
		out = append(out, ResumeLink{ID: l.GetId(), Approver: l.GetApprover(), URL: l.GetUrl(), Token: l.GetToken()})
	}
	return out
}

func resumeLinkInfoFromPB(l *flowgatev1.ResumeLinkInfo) *ResumeLinkInfo {
	return &ResumeLinkInfo{
		ID:              l.GetId(),
		FlowRunID:       l.GetFlowRunId(),
		PauseKey:        l.GetPauseKey(),
		PauseInstanceID: l.GetPauseInstanceId(),
		Approver:        l.GetApprover(),
		CreatedAt:       timeFromPB(l.GetCreatedAt()),
		UsedAt:          timeFromPB(l.GetUsedAt()),
		RevokedAt:       timeFromPB(l.GetRevokedAt()),
	}
}

func eventFromPB(e *flowgatev1.FlowRunEvent) *FlowRunEvent {
	return &FlowRunEvent{
		FlowRun:       flowRunFromPB(e.GetFlowRun()),
		PreviousState: stateFromPB(e.GetPreviousState()),
		Initial:       e.GetInitial(),
	}
}
