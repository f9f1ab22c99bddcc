package flowgate

import (
	"context"
	"errors"
	"net"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	flowgatev1 "github.com/flowgate/flowgate/clients/go/gen/flowgate/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
)

// These tests need no Flowgate server: they build the statuses the server sends, and the round trip
// goes through a gRPC server in this process.

// documented is the contract: reason → the code the server sends with it and the sentinels errors.Is
// matches (the reason's own, then its parent). The HTTP-only reasons never reach a gRPC client;
// should one arrive, its code decides.
var documented = map[string]struct {
	code      codes.Code
	sentinels []error
}{
	"FLOW_RUN_NOT_FOUND":       {codes.NotFound, []error{ErrFlowRunNotFound, ErrNotFound}},
	"DEPLOYMENT_NOT_FOUND":     {codes.NotFound, []error{ErrDeploymentNotFound, ErrNotFound}},
	"TASK_RUN_NOT_FOUND":       {codes.NotFound, []error{ErrTaskRunNotFound, ErrNotFound}},
	"FLOW_RUN_INPUT_NOT_FOUND": {codes.NotFound, []error{ErrFlowRunInputNotFound, ErrNotFound}},
	"PAUSE_NOT_FOUND":          {codes.NotFound, []error{ErrPauseNotFound, ErrNotFound}},
	"KEY_NOT_FOUND":            {codes.NotFound, []error{ErrKeyNotFound, ErrNotFound}},
	"NOT_PAUSED":               {codes.FailedPrecondition, []error{ErrNotPaused, ErrRefused}},
	"PAUSE_TIMED_OUT":          {codes.FailedPrecondition, []error{ErrFlowPauseTimeout, ErrRefused}},
	"ALREADY_FINAL":            {codes.FailedPrecondition, []error{ErrAlreadyFinal, ErrRefused}},
	"TRANSITION_REFUSED":       {codes.FailedPrecondition, []error{ErrTransitionRefused, ErrRefused}},
	"INVALID_RUN_INPUT":        {codes.InvalidArgument, []error{ErrInvalidRunInput, ErrInvalidArgument}},
	"INVALID_ARGUMENT":         {codes.InvalidArgument, []error{ErrInvalidArgument}},
	"VERSION_CONFLICT":         {codes.Aborted, []error{ErrVersionConflict, ErrConflict}},
	"CONTENTION":               {codes.Aborted, []error{ErrContention, ErrConflict}},
	"INPUT_KEY_EXISTS":         {codes.AlreadyExists, []error{ErrInputKeyExists, ErrAlreadyExists}},
	"DEPLOYMENT_EXISTS":        {codes.AlreadyExists, []error{ErrDeploymentExists, ErrAlreadyExists}},
	"STORE_UNAVAILABLE":        {codes.Unavailable, []error{ErrUnavailable}},
	"UNAUTHENTICATED":          {codes.Unauthenticated, []error{ErrUnauthenticated}},
	"PERMISSION_DENIED":        {codes.PermissionDenied, []error{ErrPermissionDenied}},
	"INTERNAL":                 {codes.Internal, []error{ErrInternal}},
	"NOT_AN_APPROVER":          {codes.PermissionDenied, []error{ErrNotAnApprover, ErrPermissionDenied}},
	"SELF_APPROVAL":            {codes.PermissionDenied, []error{ErrSelfApproval, ErrPermissionDenied}},
	"RESUME_LINK_INVALID":      {codes.Unauthenticated, []error{ErrResumeLinkInvalid, ErrUnauthenticated}},
	"RESUME_LINK_USED":         {codes.FailedPrecondition, []error{ErrResumeLinkUsed, ErrRefused}},
	"RESUME_LINK_EXPIRED":      {codes.FailedPrecondition, []error{ErrResumeLinkExpired, ErrRefused}},
	"WEBHOOK_NOT_FOUND":        {codes.NotFound, []error{ErrWebhookNotFound, ErrNotFound}},
	"TOO_MANY_STREAMS":         {codes.ResourceExhausted, []error{ErrTooManyStreams, ErrResourceExhausted}},
	"ROUTE_NOT_FOUND":          {codes.NotFound, []error{ErrNotFound}},
	"METHOD_NOT_ALLOWED":       {codes.Unimplemented, nil},
	"PAYLOAD_TOO_LARGE":        {codes.ResourceExhausted, []error{ErrResourceExhausted}},
}

var allSentinels = []error{
	ErrNotFound, ErrRefused, ErrConflict, ErrAlreadyExists,
	ErrFlowRunNotFound, ErrDeploymentNotFound, ErrTaskRunNotFound, ErrFlowRunInputNotFound, ErrPauseNotFound, ErrKeyNotFound,
	ErrNotPaused, ErrFlowPauseTimeout, ErrAlreadyFinal, ErrTransitionRefused,
	ErrInvalidArgument, ErrInvalidRunInput, ErrVersionConflict, ErrContention, ErrInputKeyExists, ErrDeploymentExists,
	ErrUnavailable, ErrUnauthenticated, ErrPermissionDenied, ErrInternal,
	ErrNotAnApprover, ErrSelfApproval, ErrResumeLinkInvalid, ErrResumeLinkUsed, ErrResumeLinkExpired, ErrWebhookNotFound,
	ErrResourceExhausted, ErrTooManyStreams,
}

// failedCall is the error a call returns when the server fails it with these details.
func failedCall(t *testing.T, code codes.Code, message string, details ...protoadapt.MessageV1) error {
	t.Helper()
	st, err := status.New(code, message).WithDetails(details...)
	if err != nil {
		t.Fatal(err)
	}
	return st.Err()
}

// matched lists the sentinels errors.Is finds in err, in allSentinels' order.
func matched(err error) []error {
	var found []error
	for _, s := range allSentinels {
		if errors.Is(err, s) {
			found = append(found, s)
		}
	}
	return found
}

func sameSet(a, b []error) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(e error) bool { return !slices.Contains(b, e) })
}

// Every value of the generated ErrorReason enum, so that a reason added to the contract fails here
// until it has a sentinel (or a documented fallback).
func TestEachReasonMatchesItsDocumentedSentinels(t *testing.T) {
	numbers := make([]int32, 0, len(flowgatev1.ErrorReason_name))
	for n := range flowgatev1.ErrorReason_name {
		if n != int32(flowgatev1.ErrorReason_ERROR_REASON_UNSPECIFIED) {
			numbers = append(numbers, n)
		}
	}
	slices.Sort(numbers)
	for _, n := range numbers {
		reason := strings.TrimPrefix(flowgatev1.ErrorReason(n).String(), "ERROR_REASON_")
		t.Run(reason, func(t *testing.T) {
			want, ok := documented[reason]
			if !ok {
				t.Fatalf("ErrorReason %s has no documented Go sentinel", reason)
			}
			message := "Flow run 'Grüße' failed: " + strings.ToLower(reason) + "."
			err := fromRPC(failedCall(t, want.code, message, &errdetails.ErrorInfo{Reason: reason, Domain: ErrorDomain}))

			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("want *Error, got %T", err)
			}
			if fe.Reason != reason || fe.Code != want.code || fe.Message != message {
				t.Fatalf("got reason %q code %s message %q", fe.Reason, fe.Code, fe.Message)
			}
			if got := matched(err); !sameSet(got, want.sentinels) {
				t.Fatalf("errors.Is matches %v, want %v", got, want.sentinels)
			}
		})
	}
}

func TestTheReasonAloneDecidesWhateverTheCode(t *testing.T) {
	err := fromRPC(failedCall(t, codes.Unknown, "odd", &errdetails.ErrorInfo{Reason: "FLOW_RUN_NOT_FOUND", Domain: ErrorDomain}))
	if got := matched(err); !sameSet(got, []error{ErrFlowRunNotFound, ErrNotFound}) {
		t.Fatalf("errors.Is matches %v", got)
	}
}

// RevokeResumeLink answers an unknown link id NOT_FOUND with RESUME_LINK_INVALID: the reason decides.
func TestAnUnknownLinkIDIsResumeLinkInvalidWhateverTheCode(t *testing.T) {
	err := fromRPC(failedCall(t, codes.NotFound, "No resume link has this id.", &errdetails.ErrorInfo{Reason: "RESUME_LINK_INVALID", Domain: ErrorDomain}))
	if got := matched(err); !sameSet(got, []error{ErrResumeLinkInvalid, ErrUnauthenticated}) {
		t.Fatalf("errors.Is matches %v", got)
	}
}

func TestWithoutAKnownReasonTheCodeDecides(t *testing.T) {
	cases := []struct {
		code codes.Code
		want []error
	}{
		{codes.NotFound, []error{ErrNotFound}},
		{codes.InvalidArgument, []error{ErrInvalidArgument}},
		{codes.FailedPrecondition, []error{ErrRefused}},
		{codes.AlreadyExists, []error{ErrAlreadyExists}},
		{codes.Aborted, []error{ErrConflict}},
		{codes.Unavailable, []error{ErrUnavailable}},
		{codes.Unauthenticated, []error{ErrUnauthenticated}},
		{codes.PermissionDenied, []error{ErrPermissionDenied}},
		{codes.ResourceExhausted, []error{ErrResourceExhausted}},
		{codes.Internal, nil},
		{codes.Unknown, nil},
	}
	for _, c := range cases {
		t.Run(c.code.String(), func(t *testing.T) {
			for name, err := range map[string]error{
				"absent":       fromRPC(failedCall(t, c.code, "no details")),
				"unknown":      fromRPC(failedCall(t, c.code, "new", &errdetails.ErrorInfo{Reason: "REASON_FROM_THE_FUTURE", Domain: ErrorDomain})),
				"other domain": fromRPC(failedCall(t, c.code, "elsewhere", &errdetails.ErrorInfo{Reason: "FLOW_RUN_NOT_FOUND", Domain: "example.com"})),
			} {
				var fe *Error
				if !errors.As(err, &fe) || fe.Code != c.code {
					t.Fatalf("%s: want *Error with %s, got %v", name, c.code, err)
				}
				if got := matched(err); !sameSet(got, c.want) {
					t.Fatalf("%s: errors.Is matches %v, want %v", name, got, c.want)
				}
			}
		})
	}
}

func TestBadRequestBecomesFieldViolations(t *testing.T) {
	err := fromRPC(failedCall(t, codes.InvalidArgument, "Run input is invalid.",
		&errdetails.ErrorInfo{Reason: "INVALID_RUN_INPUT", Domain: ErrorDomain},
		&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
			{Field: "name", Description: "must be string"},
			{Field: "address.city", Description: "darf nicht leer sein — ü"},
		}},
	))
	var fe *Error
	if !errors.As(err, &fe) || !fe.IsInvalidInput() {
		t.Fatalf("want an invalid input, got %v", err)
	}
	want := []FieldViolation{{"name", "must be string"}, {"address.city", "darf nicht leer sein — ü"}}
	if !reflect.DeepEqual(fe.FieldViolations, want) {
		t.Fatalf("field violations: %v", fe.FieldViolations)
	}
}

// refusing fails every GetFlowRun the way the Flowgate server fails an invalid request.
type refusing struct {
	flowgatev1.UnimplementedRunServiceServer
}

func (refusing) GetFlowRun(context.Context, *flowgatev1.GetFlowRunRequest) (*flowgatev1.GetFlowRunResponse, error) {
	st, err := status.New(codes.InvalidArgument, "Invalid flow run id.").WithDetails(
		&errdetails.ErrorInfo{Reason: "INVALID_ARGUMENT", Domain: ErrorDomain},
		&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "flow_run_id", Description: "kein gültiger Schlüssel"}}},
	)
	if err != nil {
		return nil, err
	}
	return nil, st.Err()
}

func TestARealFailedCallIsMappedFromItsTrailer(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	flowgatev1.RegisterRunServiceServer(srv, refusing{})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := <-served; err != nil {
			t.Error(err)
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	_, err = c.GetFlowRun(ctx, "x")
	var fe *Error
	if !errors.As(err, &fe) || !errors.Is(err, ErrInvalidArgument) || errors.Is(err, ErrInvalidRunInput) {
		t.Fatalf("want INVALID_ARGUMENT, got %v", err)
	}
	if want := []FieldViolation{{"flow_run_id", "kein gültiger Schlüssel"}}; !reflect.DeepEqual(fe.FieldViolations, want) {
		t.Fatalf("field violations: %v", fe.FieldViolations)
	}
}
