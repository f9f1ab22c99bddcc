package flowgate

import (
	"encoding/json"
	"errors"
	"fmt"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// FieldViolationsKey is the trailing metadata key under which the server lists an invalid run
// input's failing fields as JSON (also sent as google.rpc.BadRequest in the status details).
const FieldViolationsKey = "flowgate-field-violations"

// FieldViolation is one failing field of a run input: a dotted path such as "address.city".
type FieldViolation struct {
	Field       string `json:"field"`
	Description string `json:"description"`
}

// Error is every error a failed call returns; get it with errors.As. Code is the gRPC status code.
// FieldViolations lists the failing fields when a run input fails the pause's schema.
type Error struct {
	Code            codes.Code
	Message         string
	FieldViolations []FieldViolation
}

func (e *Error) Error() string {
	if len(e.FieldViolations) == 0 {
		return fmt.Sprintf("flowgate: %s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("flowgate: %s: %s (%d field violations)", e.Code, e.Message, len(e.FieldViolations))
}

// GRPCStatus lets status.FromError and status.Code see the original code.
func (e *Error) GRPCStatus() *status.Status { return status.New(e.Code, e.Message) }

// IsInvalidInput reports whether a resume was refused because the input fails the schema.
func (e *Error) IsInvalidInput() bool {
	return e.Code == codes.InvalidArgument && len(e.FieldViolations) > 0
}

// ErrPauseTimedOut, ErrRunCancelled and ErrRunSuspended are how a waited-on pause can end without a
// resume; WaitForResume wraps them in a *PauseEndedError (errors.Is works).
var (
	ErrPauseTimedOut = errors.New("flowgate: the pause timed out and the run failed")
	ErrRunCancelled  = errors.New("flowgate: the run was cancelled while paused")
	ErrRunSuspended  = errors.New("flowgate: the run was suspended while paused")
)

// PauseEndedError is returned by WaitForResume when the pause ended without a resume.
type PauseEndedError struct {
	Reason  error // ErrPauseTimedOut, ErrRunCancelled or ErrRunSuspended
	Key     string
	FlowRun *FlowRun
}

func (e *PauseEndedError) Error() string { return fmt.Sprintf("%v (pause %q)", e.Reason, e.Key) }
func (e *PauseEndedError) Unwrap() error { return e.Reason }

// fromRPC maps a failed call to *Error: the one place status codes become client errors.
func fromRPC(err error, trailer metadata.MD) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	e := &Error{Code: st.Code(), Message: st.Message()}
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				e.FieldViolations = append(e.FieldViolations, FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
			}
		}
	}
	if len(e.FieldViolations) == 0 {
		if vals := trailer.Get(FieldViolationsKey); len(vals) > 0 {
			_ = json.Unmarshal([]byte(vals[0]), &e.FieldViolations)
		}
	}
	return e
}
