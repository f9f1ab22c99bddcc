package flowgate_test

// Who a client acts as and where the web UI is (GetCaller's ui_url, FLOWGATE_UI_URL of this process
// overriding it), and the audit trail: a resume from this client is recorded with its principal and
// the channel "go", and the chain is intact.

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/flowgate/flowgate/clients/go"
)

func TestGetCallerNamesThePrincipalAndTheUIServerServes(t *testing.T) {
	t.Setenv("FLOWGATE_UI_URL", "")
	c, ctx := dial(t)
	caller, err := c.GetCaller(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if caller.Name != "admin" || caller.KeyID == "" || !slices.Contains(caller.Scopes, "admin") ||
		!strings.HasPrefix(caller.UIURL, "http") || strings.HasSuffix(caller.UIURL, "/") {
		t.Fatalf("caller: %+v", caller)
	}
	if got, err := c.UIURL(ctx); err != nil || got != caller.UIURL {
		t.Fatalf("UIURL: %q %v", got, err)
	}
	if got, err := c.RunURL(ctx, "run 1"); err != nil || got != caller.UIURL+"/runs/run%201" {
		t.Fatalf("RunURL: %q %v", got, err)
	}
}

func TestFlowgateUIURLOfThisProcessOverridesTheServers(t *testing.T) {
	t.Setenv("FLOWGATE_UI_URL", "https://flowgate.example.com/ui/")
	c, ctx := dial(t)
	if got, err := c.RunURL(ctx, "r"); err != nil || got != "https://flowgate.example.com/ui/runs/r" {
		t.Fatalf("RunURL: %q %v", got, err)
	}
}

func TestAResumeFromGoIsInTheAuditTrail(t *testing.T) {
	c, ctx := dial(t)
	flow := newFlowSide(t)
	runID := flow.runningRun(ctx)
	flow.pause(ctx, runID, nameSchema)
	if _, err := c.ResumeFlowRun(ctx, runID, map[string]any{"name": "Marvin"}, flowgate.WithRequestID("go-audit-resume")); err != nil {
		t.Fatal(err)
	}

	page, err := c.ListAuditEvents(ctx, flowgate.AuditFilter{FlowRunID: runID})
	if err != nil {
		t.Fatal(err)
	}
	var resume *flowgate.AuditEvent
	for i, e := range page.Events {
		if i > 0 && e.Sequence <= page.Events[i-1].Sequence {
			t.Fatalf("not oldest first: %d after %d", e.Sequence, page.Events[i-1].Sequence)
		}
		if strings.HasSuffix(e.Call, "/ResumeFlowRun") {
			resume = e
		}
	}
	if resume == nil || resume.Principal != "admin" || resume.Channel != "go" || resume.RequestID != "go-audit-resume" ||
		resume.StateBefore == nil || resume.StateBefore.Type != flowgate.StatePaused ||
		resume.StateAfter == nil || resume.StateAfter.Type != flowgate.StateRunning ||
		!reflect.DeepEqual(resume.Input, map[string]any{"name": "Marvin"}) {
		t.Fatalf("the resume's entry: %+v", resume)
	}

	verdict, err := c.VerifyAuditChain(ctx)
	if err != nil || !verdict.Intact || verdict.Checked < resume.Sequence {
		t.Fatalf("verdict: %+v %v", verdict, err)
	}
	_, err = c.ListAuditEvents(ctx, flowgate.AuditFilter{PageToken: "not a token"})
	if !errors.Is(err, flowgate.ErrInvalidArgument) {
		t.Fatalf("a bad page token: want ErrInvalidArgument, got %v", err)
	}
}
