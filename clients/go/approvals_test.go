package flowgate_test

// Approvals (issue 11) from the Go client, against the live test server: a pause with an approval
// policy records approvals until its quorum is met and the waiter gets the input of the approval that
// met it, with every approval; a reject ends the wait with ErrPauseRejected; a resume link's token
// stands in for an API key; the approval rules' refusals are their sentinels.

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowgate/flowgate/clients/go"
	flowgatev1 "github.com/flowgate/flowgate/clients/go/gen/flowgate/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// approvers holds API keys of principals who may approve: go-alice and go-bob by name, go-carol
// through the group go-finance. Made once for the test server.
var approvers struct {
	once              sync.Once
	alice, bob, carol string
	err               error
}

func approverKeys(t *testing.T) (alice, bob, carol string) {
	t.Helper()
	approvers.once.Do(func() {
		conn, err := grpc.NewClient(serverAddress(t), grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithPerRPCCredentials(bearerKey(serverAPIKey(t))))
		if err != nil {
			approvers.err = err
			return
		}
		defer conn.Close()
		keys := flowgatev1.NewKeyServiceClient(conn)
		create := func(name string, groups ...string) string {
			if approvers.err != nil {
				return ""
			}
			res, err := keys.CreateKey(context.Background(), &flowgatev1.CreateKeyRequest{
				Name: name, Groups: groups, Scopes: []string{"runs:read", "runs:resume"},
			})
			approvers.err = err
			return res.GetSecret()
		}
		approvers.alice, approvers.bob, approvers.carol = create("go-alice"), create("go-bob"), create("go-carol", "go-finance")
	})
	if approvers.err != nil {
		t.Fatal(approvers.err)
	}
	return approvers.alice, approvers.bob, approvers.carol
}

// as dials a client that acts as the principal of key.
func as(t *testing.T, key string) *flowgate.Client {
	t.Helper()
	c, _ := dialWith(t, flowgate.WithAPIKey(key))
	return c
}

func principals(as []flowgate.Approval) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.By.Principal)
	}
	return out
}

// The first of two approvals is recorded and the run stays PAUSED; the same approver twice counts
// once; someone not named is refused; the second approver (through a group) resumes it, and the
// waiter gets the second's input with both approvals.
func TestTwoApproversTheFirstIsRecordedTheSecondResumesWithItsInput(t *testing.T) {
	admin, ctx := dial(t)
	aliceKey, bobKey, carolKey := approverKeys(t)
	alice, bob, carol := as(t, aliceKey), as(t, bobKey), as(t, carolKey)
	runID := newFlowSide(t).runningRun(ctx)

	paused, err := admin.PauseFlowRun(ctx, runID, flowgate.PauseOptions{
		Key: "approve", Timeout: 10 * time.Minute, InputSchema: nameSchema,
		Approval: &flowgate.ApprovalPolicy{Approvers: []string{"go-alice", "group:go-finance"}, Required: 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	if paused.StateType() != flowgate.StatePaused || len(paused.Links) != 0 || paused.Pause == nil || paused.Pause.Approval == nil ||
		paused.Pause.Approval.Required != 2 || !reflect.DeepEqual(paused.Pause.Approval.Approvers, []string{"go-alice", "group:go-finance"}) {
		t.Fatalf("paused: %+v %+v", paused.FlowRun, paused.Pause)
	}

	type waited struct {
		r   *flowgate.Resumed
		err error
	}
	done := make(chan waited, 1)
	go func() {
		r, err := admin.WaitForResumeResult(ctx, runID, "approve")
		done <- waited{r, err}
	}()

	first, err := alice.ResumeFlowRun(ctx, runID, map[string]any{"name": "from alice"})
	if err != nil || first.Resumed || first.StateType() != flowgate.StatePaused || !slices.Equal(principals(first.Pause.Approvals), []string{"go-alice"}) {
		t.Fatalf("first approval: %+v %v", first, err)
	}
	again, err := alice.ResumeFlowRun(ctx, runID, map[string]any{"name": "alice again"})
	if err != nil || again.Resumed || len(again.Pause.Approvals) != 1 {
		t.Fatalf("the same approver again should count once: %+v %v", again, err)
	}
	_, err = bob.ResumeFlowRun(ctx, runID, map[string]any{"name": "from bob"})
	var fe *flowgate.Error
	if !errors.Is(err, flowgate.ErrNotAnApprover) || !errors.Is(err, flowgate.ErrPermissionDenied) || !errors.As(err, &fe) || fe.Reason != "NOT_AN_APPROVER" {
		t.Fatalf("bob is not an approver: want ErrNotAnApprover, got %v", err)
	}
	second, err := carol.ResumeFlowRun(ctx, runID, map[string]any{"name": "from carol"})
	if err != nil || !second.Resumed || second.StateType() != flowgate.StateRunning {
		t.Fatalf("second approval: %+v %v", second, err)
	}

	w := <-done
	if w.err != nil {
		t.Fatal(w.err)
	}
	if !reflect.DeepEqual(w.r.Input, map[string]any{"name": "from carol"}) || w.r.Key != "approve" {
		t.Fatalf("the wait returned %+v", w.r)
	}
	if !slices.Equal(principals(w.r.Approvals), []string{"go-alice", "go-carol"}) ||
		!reflect.DeepEqual(w.r.Approvals[0].Input, map[string]any{"name": "from alice"}) {
		t.Fatalf("approvals: %+v", w.r.Approvals)
	}
}

// The principal that paused a run may not approve it unless the policy allows it.
func TestThePrincipalThatPausedCannotApproveUnlessAllowed(t *testing.T) {
	admin, ctx := dial(t)
	flow := newFlowSide(t)
	runID := flow.runningRun(ctx)
	if _, err := admin.PauseFlowRun(ctx, runID, flowgate.PauseOptions{Timeout: 10 * time.Minute, Approval: &flowgate.ApprovalPolicy{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.ResumeFlowRun(ctx, runID, nil); !errors.Is(err, flowgate.ErrSelfApproval) {
		t.Fatalf("want ErrSelfApproval, got %v", err)
	}

	other := flow.runningRun(ctx)
	if _, err := admin.PauseFlowRun(ctx, other, flowgate.PauseOptions{Timeout: 10 * time.Minute, Approval: &flowgate.ApprovalPolicy{AllowSelfApproval: true}}); err != nil {
		t.Fatal(err)
	}
	if r, err := admin.ResumeFlowRun(ctx, other, nil); err != nil || !r.Resumed {
		t.Fatalf("self-approval allowed: %+v %v", r, err)
	}
}

// One reject ends the pause whatever the quorum: the waiter gets ErrPauseRejected with who and why,
// and waiting again answers the same outcome (it is final, never retried).
func TestARejectEndsTheWaitWithErrPauseRejected(t *testing.T) {
	admin, ctx := dial(t)
	aliceKey, bobKey, _ := approverKeys(t)
	runID := newFlowSide(t).runningRun(ctx)
	_, err := admin.PauseFlowRun(ctx, runID, flowgate.PauseOptions{
		Key: "approve", Timeout: 10 * time.Minute, Approval: &flowgate.ApprovalPolicy{Approvers: []string{"go-alice", "go-bob"}, Required: 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := as(t, bobKey).ResumeFlowRun(ctx, runID, nil); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := admin.WaitForResume(ctx, runID, "approve")
		done <- err
	}()
	run, err := as(t, aliceKey).RejectFlowRun(ctx, runID, "Budget exceeded — nächstes Quartal")
	if err != nil || run.StateType() != flowgate.StateRunning {
		t.Fatalf("reject of an in-process pause: %+v %v", run, err)
	}

	for _, err := range []error{<-done, func() error { _, err := admin.WaitForResume(ctx, runID, "approve"); return err }()} {
		var ended *flowgate.PauseEndedError
		if !errors.Is(err, flowgate.ErrPauseRejected) || !errors.As(err, &ended) || ended.Rejection == nil {
			t.Fatalf("want ErrPauseRejected with its rejection, got %v", err)
		}
		if ended.Rejection.Reason != "Budget exceeded — nächstes Quartal" || ended.Rejection.By.Principal != "go-alice" || ended.Rejection.At.IsZero() {
			t.Fatalf("rejection: %+v", ended.Rejection)
		}
		if ended.FlowRun.StateType() != flowgate.StateRunning || !strings.Contains(err.Error(), "rejected by go-alice: Budget exceeded") {
			t.Fatalf("ended: %v (%s)", err, ended.FlowRun.StateType())
		}
	}
}

// A resume link's token decides without an API key, once; revoked or unknown tokens are refused; the
// approval is recorded as the link's approver through the channel "link".
func TestAResumeLinkTokenDecidesWithoutAnAPIKey(t *testing.T) {
	admin, ctx := dial(t)
	_, bobKey, _ := approverKeys(t)
	bob := as(t, bobKey)
	runID := newFlowSide(t).runningRun(ctx)
	paused, err := admin.PauseFlowRun(ctx, runID, flowgate.PauseOptions{
		Key: "approve", Timeout: 10 * time.Minute, InputSchema: nameSchema,
		Approval: &flowgate.ApprovalPolicy{Approvers: []string{"go-alice", "go-bob"}, Required: 2, Links: flowgate.LinksPerApprover},
	})
	if err != nil {
		t.Fatal(err)
	}
	links := map[string]flowgate.ResumeLink{}
	for _, l := range paused.Links {
		links[l.Approver] = l
	}
	aliceLink, bobLink := links["go-alice"], links["go-bob"]
	if len(links) != 2 || !strings.HasPrefix(aliceLink.Token, "fgr_") || !strings.HasSuffix(aliceLink.URL, "/approve/"+aliceLink.Token) {
		t.Fatalf("links: %v", paused.Links)
	}
	if paused.Pause == nil || paused.Pause.Approval == nil || paused.Pause.Approval.Links != flowgate.LinksPerApprover {
		t.Fatalf("policy: %+v", paused.Pause)
	}

	inEmptyDir(t) // no FLOWGATE_API_KEY, no key file: the client below has no key at all
	keyless, _ := dialWith(t)
	first, err := keyless.ResumeFlowRun(ctx, runID, map[string]any{"name": "via link"}, flowgate.WithResumeToken(aliceLink.Token))
	if err != nil || first.Resumed {
		t.Fatalf("first approval through alice's link: %+v %v", first, err)
	}
	if _, err := keyless.ResumeFlowRun(ctx, runID, map[string]any{"name": "again"}, flowgate.WithResumeToken(aliceLink.Token)); !errors.Is(err, flowgate.ErrResumeLinkUsed) {
		t.Fatalf("a used link: want ErrResumeLinkUsed, got %v", err)
	}
	if _, err := keyless.RejectFlowRun(ctx, runID, "no", flowgate.WithResumeToken("fgr_"+strings.Repeat("A", 43))); !errors.Is(err, flowgate.ErrResumeLinkInvalid) {
		t.Fatalf("an unknown token: want ErrResumeLinkInvalid, got %v", err)
	}

	listed, err := admin.ListResumeLinks(ctx, runID)
	if err != nil || len(listed) != 2 {
		t.Fatalf("listed: %v %v", listed, err)
	}
	for _, l := range listed {
		if (l.ID == aliceLink.ID) == l.UsedAt.IsZero() || l.PauseInstanceID != paused.Pause.InstanceID {
			t.Fatalf("link %+v: only alice's is used", l)
		}
	}
	revoked, err := admin.RevokeResumeLink(ctx, bobLink.ID)
	if err != nil || revoked.RevokedAt.IsZero() {
		t.Fatalf("revoke: %+v %v", revoked, err)
	}
	// The admin client holds a key; the call carries the token alone, which is refused.
	if _, err := admin.ResumeFlowRun(ctx, runID, map[string]any{"name": "bob's link"}, flowgate.WithResumeToken(bobLink.Token)); !errors.Is(err, flowgate.ErrResumeLinkInvalid) {
		t.Fatalf("a revoked link: want ErrResumeLinkInvalid, got %v", err)
	}

	if r, err := bob.ResumeFlowRun(ctx, runID, map[string]any{"name": "bob"}); err != nil || !r.Resumed {
		t.Fatalf("bob's approval: %+v %v", r, err)
	}
	got, err := admin.WaitForResumeResult(ctx, runID, "approve")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Input, map[string]any{"name": "bob"}) || len(got.Approvals) != 2 {
		t.Fatalf("wait: %+v", got)
	}
	if a := got.Approvals[0]; a.By != (flowgate.Actor{Principal: "go-alice", Channel: "link"}) || a.LinkID != aliceLink.ID {
		t.Fatalf("alice's approval through her link: %+v", a)
	}
	if a := got.Approvals[1]; a.By.Principal != "go-bob" || a.LinkID != "" {
		t.Fatalf("bob's approval: %+v", a)
	}
}

// AwaitingMe lists the paused runs the caller may still approve.
func TestAwaitingMeListsThePausedRunsAPrincipalMayStillApprove(t *testing.T) {
	admin, ctx := dial(t)
	aliceKey, bobKey, carolKey := approverKeys(t)
	alice := as(t, aliceKey)
	runID := newFlowSide(t).runningRun(ctx)
	_, err := admin.PauseFlowRun(ctx, runID, flowgate.PauseOptions{
		Timeout: 10 * time.Minute, Approval: &flowgate.ApprovalPolicy{Approvers: []string{"go-alice", "go-bob"}, Required: 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	awaiting := func(c *flowgate.Client) bool {
		t.Helper()
		page, err := c.ListFlowRuns(ctx, flowgate.ListOptions{AwaitingMe: true, PageSize: 500})
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(page.FlowRuns, func(r *flowgate.FlowRun) bool { return r.ID == runID })
	}
	if !awaiting(alice) || !awaiting(as(t, bobKey)) || awaiting(as(t, carolKey)) {
		t.Fatalf("before any approval: alice and bob are awaited, carol is not")
	}
	if _, err := alice.ResumeFlowRun(ctx, runID, nil); err != nil {
		t.Fatal(err)
	}
	if awaiting(alice) || !awaiting(as(t, bobKey)) {
		t.Fatalf("after alice's approval: only bob is awaited")
	}
}

// A timeout policy RESUME resumes the run with its input, as the principal "timeout".
func TestATimeoutPolicyResumesWithItsInput(t *testing.T) {
	admin, ctx := dial(t)
	runID := newFlowSide(t).runningRun(ctx)
	_, err := admin.PauseFlowRun(ctx, runID, flowgate.PauseOptions{
		Key: "approve", Timeout: time.Second, InputSchema: nameSchema,
		OnTimeout: &flowgate.TimeoutPolicy{Action: flowgate.TimeoutResume, Input: map[string]any{"name": "nobody answered"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := admin.WaitForResumeResult(ctx, runID, "approve")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Input, map[string]any{"name": "nobody answered"}) || !slices.Equal(principals(got.Approvals), []string{"timeout"}) {
		t.Fatalf("timeout resume: %+v", got)
	}
}

// A suspend takes a policy too: a shared link's holder rejects it, and the run FAILS without being
// re-executed; the waiter gets ErrPauseRejected by the principal "link".
func TestARejectedSuspendFailsTheRunThroughASharedLink(t *testing.T) {
	admin, ctx := dial(t)
	flow := newFlowSide(t)
	conn, err := grpc.NewClient(serverAddress(t), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(bearerKey(serverAPIKey(t))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	dep, err := flowgatev1.NewDeploymentServiceClient(conn).CreateDeployment(ctx, &flowgatev1.CreateDeploymentRequest{Name: "go-approvals", FlowName: "greet-user", Entrypoint: "x"})
	if err != nil {
		t.Fatal(err)
	}
	created, err := flow.runs.CreateFlowRun(ctx, &flowgatev1.CreateFlowRunRequest{
		FlowName: "greet-user", DeploymentId: dep.GetDeployment().GetId(),
		State: &flowgatev1.StateProposal{Type: flowgatev1.StateType_STATE_TYPE_RUNNING},
	})
	if err != nil {
		t.Fatal(err)
	}
	runID := created.GetFlowRun().GetId()

	suspended, err := admin.SuspendFlowRun(ctx, runID, flowgate.SuspendOptions{
		Key: "approve", Timeout: 10 * time.Minute,
		Approval: &flowgate.ApprovalPolicy{Approvers: []string{"go-alice"}, Links: flowgate.LinksShared},
	})
	if err != nil {
		t.Fatal(err)
	}
	if suspended.StateType() != flowgate.StatePaused || len(suspended.Links) != 1 || suspended.Links[0].Approver != "" {
		t.Fatalf("suspended: %s %v", suspended.StateType(), suspended.Links)
	}
	link := suspended.Links[0]
	// The admin paused it, so only the token can decide: the call must carry it alone.
	rejected, err := admin.RejectFlowRun(ctx, runID, "not this quarter", flowgate.WithResumeToken(link.Token))
	if err != nil || rejected.StateType() != flowgate.StateFailed || rejected.State.Message != "Rejected by link: not this quarter" {
		t.Fatalf("rejected suspend: %+v %v", rejected, err)
	}
	_, err = admin.WaitForResume(ctx, runID, "approve")
	var ended *flowgate.PauseEndedError
	if !errors.Is(err, flowgate.ErrPauseRejected) || !errors.As(err, &ended) || ended.Rejection.By.Principal != "link" || ended.Rejection.LinkID != link.ID {
		t.Fatalf("wait on a rejected suspend: %v", err)
	}
}
