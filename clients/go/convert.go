package flowgate

import (
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
	return &State{
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
		}
	}
	return out
}

func eventFromPB(e *flowgatev1.FlowRunEvent) *FlowRunEvent {
	return &FlowRunEvent{
		FlowRun:       flowRunFromPB(e.GetFlowRun()),
		PreviousState: stateFromPB(e.GetPreviousState()),
		Initial:       e.GetInitial(),
	}
}
