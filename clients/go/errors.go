package flowgate

import (
	"errors"
	"fmt"

	flowgatev1 "github.com/flowgate/flowgate/clients/go/gen/flowgate/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ErrorDomain is the google.rpc.ErrorInfo domain of the reasons this client knows; ErrorInfo from
// another domain is ignored.
const ErrorDomain = "flowgate.dev"

// FieldViolation is one failing field of a request: a dotted path such as "address.city".
type FieldViolation struct {
	Field       string `json:"field"`
	Description string `json:"description"`
}

// Error is every error a failed call returns; get it with errors.As, or test it with errors.Is
// against the sentinels below (errors.Is(err, flowgate.ErrFlowRunNotFound)).
//
// Code is the gRPC status code and Message the server's message, verbatim. Reason is the
// machine-readable reason from the status's google.rpc.ErrorInfo ("FLOW_RUN_NOT_FOUND", ...; "" when
// none): it alone decides which sentinel matches; without a reason this client knows, the code
// decides (ErrNotFound, ErrRefused, ...). FieldViolations lists the failing fields of an invalid
// request (google.rpc.BadRequest).
type Error struct {
	Code            codes.Code
	Reason          string
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

// Is makes errors.Is(err, ErrX) true for the sentinel of e's reason and for its parent: a
// FLOW_RUN_NOT_FOUND error is both ErrFlowRunNotFound and ErrNotFound. Without a known reason, e is
// the sentinel of its code (NotFound → ErrNotFound, ...).
func (e *Error) Is(target error) bool {
	s := e.sentinel()
	return s != nil && errors.Is(s, target)
}

func (e *Error) sentinel() error {
	if v, ok := flowgatev1.ErrorReason_value["ERROR_REASON_"+e.Reason]; ok {
		if s, ok := byReason[flowgatev1.ErrorReason(v)]; ok {
			return s
		}
	}
	return byCode[e.Code]
}

// IsInvalidInput reports whether a resume was refused because the input fails the pause's schema:
// the same as errors.Is(e, ErrInvalidRunInput).
func (e *Error) IsInvalidInput() bool { return e.Is(ErrInvalidRunInput) }

// sentinel is the target of errors.Is for one reason, or for the reasons that share a status code
// (its parent).
type sentinel struct {
	text   string
	parent error
}

func (s *sentinel) Error() string { return "flowgate: " + s.text }
func (s *sentinel) Unwrap() error { return s.parent }

func newSentinel(text string, parent error) error { return &sentinel{text: text, parent: parent} }

// Parents: what errors.Is matches by status code when the reason is absent or unknown, and the
// family of each reason below.
var (
	ErrNotFound      = newSentinel("not found", nil)                          // NotFound
	ErrRefused       = newSentinel("refused in the run's current state", nil) // FailedPrecondition
	ErrConflict      = newSentinel("conflict with a concurrent change", nil)  // Aborted
	ErrAlreadyExists = newSentinel("already exists", nil)                     // AlreadyExists
)

// One sentinel per reason (google.rpc.ErrorInfo.reason, the flowgate.v1.ErrorReason name without
// its prefix). ErrInvalidArgument, ErrUnavailable, ErrUnauthenticated and ErrPermissionDenied also
// match their code when the reason is absent or unknown.
var (
	ErrFlowRunNotFound      = newSentinel("flow run not found", ErrNotFound)                                   // FLOW_RUN_NOT_FOUND
	ErrDeploymentNotFound   = newSentinel("deployment not found", ErrNotFound)                                 // DEPLOYMENT_NOT_FOUND
	ErrTaskRunNotFound      = newSentinel("task run not found", ErrNotFound)                                   // TASK_RUN_NOT_FOUND
	ErrFlowRunInputNotFound = newSentinel("flow run input not found", ErrNotFound)                             // FLOW_RUN_INPUT_NOT_FOUND
	ErrPauseNotFound        = newSentinel("pause not found", ErrNotFound)                                      // PAUSE_NOT_FOUND
	ErrKeyNotFound          = newSentinel("API key not found", ErrNotFound)                                    // KEY_NOT_FOUND
	ErrNotPaused            = newSentinel("the flow run is not paused", ErrRefused)                            // NOT_PAUSED
	ErrFlowPauseTimeout     = newSentinel("the pause timed out; the run can no longer resume", ErrRefused)     // PAUSE_TIMED_OUT
	ErrAlreadyFinal         = newSentinel("the run is already in a final state", ErrRefused)                   // ALREADY_FINAL
	ErrTransitionRefused    = newSentinel("the orchestration rules refuse this transition", ErrRefused)        // TRANSITION_REFUSED
	ErrInvalidArgument      = newSentinel("invalid argument", nil)                                             // INVALID_ARGUMENT
	ErrInvalidRunInput      = newSentinel("the run input fails the pause's schema", ErrInvalidArgument)        // INVALID_RUN_INPUT
	ErrVersionConflict      = newSentinel("the expected version is stale", ErrConflict)                        // VERSION_CONFLICT
	ErrContention           = newSentinel("too many concurrent writers; retry", ErrConflict)                   // CONTENTION
	ErrInputKeyExists       = newSentinel("the flow run already has an input with this key", ErrAlreadyExists) // INPUT_KEY_EXISTS
	ErrDeploymentExists     = newSentinel("the deployment belongs to another principal", ErrAlreadyExists)     // DEPLOYMENT_EXISTS
	ErrUnavailable          = newSentinel("the server or its store is unavailable", nil)                       // STORE_UNAVAILABLE
	ErrUnauthenticated      = newSentinel("unauthenticated", nil)                                              // UNAUTHENTICATED
	ErrPermissionDenied     = newSentinel("permission denied", nil)                                            // PERMISSION_DENIED
	ErrInternal             = newSentinel("internal server error", nil)                                        // INTERNAL
)

// The approval rules' refusals (issue 11), one sentinel per reason, each also matching its parent.
var (
	ErrNotAnApprover     = newSentinel("the pause's approval policy does not name the caller", ErrPermissionDenied) // NOT_AN_APPROVER
	ErrSelfApproval      = newSentinel("the caller paused this run and may not approve it", ErrPermissionDenied)    // SELF_APPROVAL
	ErrResumeLinkInvalid = newSentinel("the resume link is unknown or was revoked", ErrUnauthenticated)             // RESUME_LINK_INVALID
	ErrResumeLinkUsed    = newSentinel("the resume link was already used", ErrRefused)                              // RESUME_LINK_USED
	ErrResumeLinkExpired = newSentinel("the resume link's pause has ended, expired or been replaced", ErrRefused)   // RESUME_LINK_EXPIRED
	ErrWebhookNotFound   = newSentinel("webhook not found", ErrNotFound)                                            // WEBHOOK_NOT_FOUND
)

// ErrResourceExhausted matches RESOURCE_EXHAUSTED by code; ErrTooManyStreams (TOO_MANY_STREAMS) is
// the caller, or the whole server, holding as many open streams as the server allows: it clears as
// streams close, so a wait may retry it with backoff.
var (
	ErrResourceExhausted = newSentinel("a server limit was reached", nil)                          // ResourceExhausted
	ErrTooManyStreams    = newSentinel("too many open streams; retry later", ErrResourceExhausted) // TOO_MANY_STREAMS
)

// byReason is keyed by the generated enum so that a misspelt reason cannot compile.
var byReason = map[flowgatev1.ErrorReason]error{
	flowgatev1.ErrorReason_ERROR_REASON_FLOW_RUN_NOT_FOUND:       ErrFlowRunNotFound,
	flowgatev1.ErrorReason_ERROR_REASON_DEPLOYMENT_NOT_FOUND:     ErrDeploymentNotFound,
	flowgatev1.ErrorReason_ERROR_REASON_TASK_RUN_NOT_FOUND:       ErrTaskRunNotFound,
	flowgatev1.ErrorReason_ERROR_REASON_FLOW_RUN_INPUT_NOT_FOUND: ErrFlowRunInputNotFound,
	flowgatev1.ErrorReason_ERROR_REASON_PAUSE_NOT_FOUND:          ErrPauseNotFound,
	flowgatev1.ErrorReason_ERROR_REASON_KEY_NOT_FOUND:            ErrKeyNotFound,
	flowgatev1.ErrorReason_ERROR_REASON_NOT_PAUSED:               ErrNotPaused,
	flowgatev1.ErrorReason_ERROR_REASON_PAUSE_TIMED_OUT:          ErrFlowPauseTimeout,
	flowgatev1.ErrorReason_ERROR_REASON_ALREADY_FINAL:            ErrAlreadyFinal,
	flowgatev1.ErrorReason_ERROR_REASON_TRANSITION_REFUSED:       ErrTransitionRefused,
	flowgatev1.ErrorReason_ERROR_REASON_INVALID_RUN_INPUT:        ErrInvalidRunInput,
	flowgatev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT:         ErrInvalidArgument,
	flowgatev1.ErrorReason_ERROR_REASON_VERSION_CONFLICT:         ErrVersionConflict,
	flowgatev1.ErrorReason_ERROR_REASON_CONTENTION:               ErrContention,
	flowgatev1.ErrorReason_ERROR_REASON_INPUT_KEY_EXISTS:         ErrInputKeyExists,
	flowgatev1.ErrorReason_ERROR_REASON_DEPLOYMENT_EXISTS:        ErrDeploymentExists,
	flowgatev1.ErrorReason_ERROR_REASON_STORE_UNAVAILABLE:        ErrUnavailable,
	flowgatev1.ErrorReason_ERROR_REASON_UNAUTHENTICATED:          ErrUnauthenticated,
	flowgatev1.ErrorReason_ERROR_REASON_PERMISSION_DENIED:        ErrPermissionDenied,
	flowgatev1.ErrorReason_ERROR_REASON_INTERNAL:                 ErrInternal,
	flowgatev1.ErrorReason_ERROR_REASON_NOT_AN_APPROVER:          ErrNotAnApprover,
	flowgatev1.ErrorReason_ERROR_REASON_SELF_APPROVAL:            ErrSelfApproval,
	flowgatev1.ErrorReason_ERROR_REASON_RESUME_LINK_INVALID:      ErrResumeLinkInvalid,
	flowgatev1.ErrorReason_ERROR_REASON_RESUME_LINK_USED:         ErrResumeLinkUsed,
	flowgatev1.ErrorReason_ERROR_REASON_RESUME_LINK_EXPIRED:      ErrResumeLinkExpired,
	flowgatev1.ErrorReason_ERROR_REASON_WEBHOOK_NOT_FOUND:        ErrWebhookNotFound,
	flowgatev1.ErrorReason_ERROR_REASON_TOO_MANY_STREAMS:         ErrTooManyStreams,
}

var byCode = map[codes.Code]error{
	codes.NotFound:           ErrNotFound,
	codes.InvalidArgument:    ErrInvalidArgument,
	codes.FailedPrecondition: ErrRefused,
	codes.AlreadyExists:      ErrAlreadyExists,
	codes.Aborted:            ErrConflict,
	codes.Unavailable:        ErrUnavailable,
	codes.Unauthenticated:    ErrUnauthenticated,
	codes.PermissionDenied:   ErrPermissionDenied,
	codes.ResourceExhausted:  ErrResourceExhausted,
}

// ErrPauseTimedOut, ErrRunCancelled, ErrRunSuspended and ErrPauseRejected are how a waited-on pause
// can end without a resume; WaitForResume wraps them in a *PauseEndedError (errors.Is works). These
// are final outcomes: the wait is never retried. (A resume that comes after the pause expired fails
// with ErrFlowPauseTimeout instead.)
var (
	ErrPauseTimedOut = errors.New("flowgate: the pause timed out and the run failed")
	ErrRunCancelled  = errors.New("flowgate: the run was cancelled while paused")
	ErrRunSuspended  = errors.New("flowgate: the run was suspended while paused")
	// ErrPauseRejected: an approver rejected the pause; PauseEndedError.Rejection says who and why. An
	// in-process pause's run is RUNNING again (the flow decides what follows); a suspended run is FAILED.
	ErrPauseRejected = errors.New("flowgate: the pause was rejected")
)

// PauseEndedError is returned by WaitForResume when the pause ended without a resume.
type PauseEndedError struct {
	Reason  error // ErrPauseTimedOut, ErrRunCancelled, ErrRunSuspended or ErrPauseRejected
	Key     string
	FlowRun *FlowRun
	// Rejection is set with ErrPauseRejected: who rejected (Rejection.By.Principal), when, and why
	// (Rejection.Reason).
	Rejection *Rejection
}

func (e *PauseEndedError) Error() string {
	if e.Rejection != nil {
		said := ""
		if e.Rejection.Reason != "" {
			said = ": " + e.Rejection.Reason
		}
		return fmt.Sprintf("flowgate: rejected by %s%s (pause %q)", e.Rejection.By.Principal, said, e.Key)
	}
	return fmt.Sprintf("%v (pause %q)", e.Reason, e.Key)
}
func (e *PauseEndedError) Unwrap() error { return e.Reason }

// fromRPC maps a failed call to *Error: the one place gRPC statuses become client errors. The reason
// and field violations come from the status details (the grpc-status-details-bin trailer).
func fromRPC(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	e := &Error{Code: st.Code(), Message: st.Message()}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			if d.GetDomain() == ErrorDomain && e.Reason == "" {
				e.Reason = d.GetReason()
			}
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				e.FieldViolations = append(e.FieldViolations, FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
			}
		}
	}
	return e
}
