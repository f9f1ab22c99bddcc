package flowgate_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowgate/flowgate/clients/go"
	flowgatev1 "github.com/flowgate/flowgate/clients/go/gen/flowgate/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
)

// inEmptyDir runs the test in a fresh working directory without FLOWGATE_API_KEY, so a client finds no
// key unless the test gives it one.
func inEmptyDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("FLOWGATE_API_KEY", "")
	return dir
}

func dialWith(t *testing.T, opts ...flowgate.Option) (*flowgate.Client, context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	c, err := flowgate.Dial(ctx, serverAddress(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, ctx
}

// Without a key every call fails as ErrUnauthenticated, with the server's message saying how to send one.
func TestWithoutAKeyCallsFailUnauthenticated(t *testing.T) {
	serverAddress(t)
	inEmptyDir(t)
	c, ctx := dialWith(t)

	_, err := c.ListFlowRuns(ctx, flowgate.ListOptions{PageSize: 1})
	var fe *flowgate.Error
	if !errors.As(err, &fe) || !errors.Is(err, flowgate.ErrUnauthenticated) {
		t.Fatalf("want ErrUnauthenticated, got %v", err)
	}
	if fe.Code != codes.Unauthenticated || fe.Reason != "UNAUTHENTICATED" || !strings.Contains(fe.Message, "API key") {
		t.Fatalf("want the server's UNAUTHENTICATED refusal, got %v %q %q", fe.Code, fe.Reason, fe.Message)
	}
	for _, err := range c.WatchFlowRun(ctx, "00000000-0000-0000-0000-000000000000") {
		if !errors.Is(err, flowgate.ErrUnauthenticated) {
			t.Fatalf("a stream without a key: want ErrUnauthenticated, got %v", err)
		}
	}
}

func TestTheKeyFromFlowgateAPIKeyIsSent(t *testing.T) {
	flow := newFlowSide(t)
	inEmptyDir(t)
	t.Setenv("FLOWGATE_API_KEY", serverAPIKey(t))
	c, ctx := dialWith(t)

	runID := flow.runningRun(ctx)
	run, err := c.GetFlowRun(ctx, runID)
	if err != nil || run.StateType() != flowgate.StateRunning {
		t.Fatalf("want the running run, got %v %v", run, err)
	}
}

func TestTheLocalAdminKeyFileIsSentToALoopbackServer(t *testing.T) {
	flow := newFlowSide(t)
	dir := inEmptyDir(t)
	if err := os.Mkdir(filepath.Join(dir, ".flowgate"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".flowgate", "admin-key"), []byte(serverAPIKey(t)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, ctx := dialWith(t)

	runID := flow.runningRun(ctx)
	events := 0
	for ev, err := range c.WatchFlowRun(ctx, runID) { // streams carry the key too
		if err != nil {
			t.Fatal(err)
		}
		if !ev.Initial || ev.FlowRun.StateType() != flowgate.StateRunning {
			t.Fatalf("want the run's current state first, got %+v", ev)
		}
		events++
		break
	}
	if events != 1 {
		t.Fatal("the watch ended without the run's current state")
	}
}

// A key without the call's scope fails as ErrPermissionDenied; with it, the call works.
func TestAKeyWithoutTheScopeFailsPermissionDenied(t *testing.T) {
	flow := newFlowSide(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := grpc.NewClient(serverAddress(t), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(bearerKey(serverAPIKey(t))))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	created, err := flowgatev1.NewKeyServiceClient(conn).CreateKey(ctx, &flowgatev1.CreateKeyRequest{Name: "go-reader", Scopes: []string{"runs:read"}})
	if err != nil {
		t.Fatal(err)
	}
	reader, _ := dialWith(t, flowgate.WithAPIKey(created.GetSecret()))

	runID := flow.runningRun(ctx)
	if _, err := reader.GetFlowRun(ctx, runID); err != nil {
		t.Fatalf("runs:read may read runs: %v", err)
	}
	_, err = reader.CancelFlowRun(ctx, runID)
	var fe *flowgate.Error
	if !errors.As(err, &fe) || !errors.Is(err, flowgate.ErrPermissionDenied) || fe.Code != codes.PermissionDenied {
		t.Fatalf("want ErrPermissionDenied, got %v", err)
	}
}
