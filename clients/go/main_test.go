package flowgate_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	flowgatev1 "github.com/flowgate/flowgate/clients/go/gen/flowgate/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/structpb"
)

// serverAddress returns the live server the integration tests talk to, started on first use from the
// repository root: `node --import tsx server/src/main.ts` on a free port, on FLOWGATE_MONGODB_URI's
// store when set (in a database of its own), otherwise on its embedded store. Its data dir is always a
// temporary one, where it writes its first admin key (serverAPIKey). Tests that need no server (the
// error mapping) never start it. TestMain stops it.
func serverAddress(t *testing.T) string {
	t.Helper()
	server.once.Do(func() { server.addr, server.apiKey, server.stop, server.err = startServer() })
	if server.err != nil {
		t.Fatal(server.err)
	}
	return server.addr
}

// serverAPIKey is the admin key the test server wrote into its data dir on its first start.
func serverAPIKey(t *testing.T) string {
	t.Helper()
	serverAddress(t)
	return server.apiKey
}

var server struct {
	once   sync.Once
	addr   string
	apiKey string
	stop   func()
	err    error
}

// cleanups run after every test: the servers and files that tests shared (extra servers such as the
// TLS ones, their certificates).
var cleanups struct {
	mu  sync.Mutex
	fns []func()
}

func atExit(fn func()) {
	cleanups.mu.Lock()
	defer cleanups.mu.Unlock()
	cleanups.fns = append(cleanups.fns, fn)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if server.stop != nil {
		server.stop()
	}
	for i := len(cleanups.fns) - 1; i >= 0; i-- {
		cleanups.fns[i]()
	}
	os.Exit(code)
}

// startServer starts a server process as serverAddress describes, with extraEnv ("NAME=value", e.g.
// FLOWGATE_TLS_CERT=...) added to its environment.
func startServer(extraEnv ...string) (addr, apiKey string, stop func(), err error) {
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return "", "", nil, err
	}
	cmd := exec.Command("node", "--import", "tsx", "server/src/main.ts")
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "FLOWGATE_GRPC_ADDRESS=127.0.0.1:0", "FLOWGATE_HTTP_ADDRESS=127.0.0.1:0", "FLOWGATE_EVENT_POLL_MS=20")
	if os.Getenv("FLOWGATE_LOG_LEVEL") == "" {
		cmd.Env = append(cmd.Env, "FLOWGATE_LOG_LEVEL=warn")
	}
	if os.Getenv("FLOWGATE_MONGODB_URI") != "" {
		cmd.Env = append(cmd.Env, "FLOWGATE_MONGODB_DATABASE=go_"+randomHex(6))
	}
	dataDir, err := os.MkdirTemp("", "flowgate-go-")
	if err != nil {
		return "", "", nil, err
	}
	// Appended last, so they win over any FLOWGATE_DATA_DIR or FLOWGATE_AUTH of the environment.
	cmd.Env = append(cmd.Env, "FLOWGATE_DATA_DIR="+dataDir, "FLOWGATE_AUTH=enabled")
	cmd.Env = append(cmd.Env, extraEnv...)
	removeData := func() { _ = os.RemoveAll(dataDir) }
	stderr, err := cmd.StderrPipe()
	if err != nil {
		removeData()
		return "", "", nil, err
	}
	if err := cmd.Start(); err != nil {
		removeData()
		return "", "", nil, fmt.Errorf("cannot start the flowgate server: %w", err)
	}
	stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		removeData()
	}

	found := make(chan string, 1)
	go func() { // keeps draining stderr so the server never blocks on a full pipe
		re := regexp.MustCompile(`gRPC on (\S+)`)
		sc := bufio.NewScanner(stderr)
		var seen []string
		listening := false
		for sc.Scan() {
			if !listening {
				if m := re.FindStringSubmatch(sc.Text()); m != nil {
					listening = true
					found <- m[1]
					continue
				}
				seen = append(seen, sc.Text())
			}
		}
		if !listening {
			fmt.Fprintln(os.Stderr, "flowgate server output:", seen)
			close(found)
		}
	}()
	select {
	case addr, ok := <-found:
		if !ok {
			stop()
			return "", "", nil, errors.New("the flowgate server exited before listening")
		}
		// Written before the server listens, on its first start with an empty store (a fresh database).
		key, err := os.ReadFile(filepath.Join(dataDir, "admin-key"))
		if err != nil {
			stop()
			return "", "", nil, fmt.Errorf("the flowgate server wrote no admin key: %w", err)
		}
		return addr, strings.TrimSpace(string(key)), stop, nil
	case <-time.After(3 * time.Minute): // the embedded store may be built on first use
		stop()
		return "", "", nil, errors.New("the flowgate server did not start in time")
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// flowSide is what a flow process does to a run (create it RUNNING, pause it, complete it), on the raw
// generated stubs, so the tests can exercise the client against real paused runs.
type flowSide struct {
	t    *testing.T
	runs flowgatev1.RunServiceClient
}

func newFlowSide(t *testing.T) *flowSide {
	t.Helper()
	conn, err := grpc.NewClient(serverAddress(t), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(bearerKey(serverAPIKey(t))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &flowSide{t: t, runs: flowgatev1.NewRunServiceClient(conn)}
}

func (f *flowSide) runningRun(ctx context.Context) string {
	f.t.Helper()
	res, err := f.runs.CreateFlowRun(ctx, &flowgatev1.CreateFlowRunRequest{
		FlowName: "greet-user",
		State:    &flowgatev1.StateProposal{Type: flowgatev1.StateType_STATE_TYPE_RUNNING},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return res.GetFlowRun().GetId()
}

func (f *flowSide) pause(ctx context.Context, runID string, schema map[string]any) {
	f.t.Helper()
	timeout := int64(600)
	req := &flowgatev1.PauseFlowRunRequest{FlowRunId: runID, Key: "1", TimeoutSeconds: &timeout}
	if schema != nil {
		s, err := structpb.NewStruct(schema)
		if err != nil {
			f.t.Fatal(err)
		}
		req.InputSchema = s
	}
	if _, err := f.runs.PauseFlowRun(ctx, req); err != nil {
		f.t.Fatal(err)
	}
}

func (f *flowSide) complete(ctx context.Context, runID string) {
	f.t.Helper()
	_, err := f.runs.SetFlowRunState(ctx, &flowgatev1.SetFlowRunStateRequest{
		FlowRunId: runID,
		State:     &flowgatev1.StateProposal{Type: flowgatev1.StateType_STATE_TYPE_COMPLETED},
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// bearerKey sends an API key with every call of a raw connection, as the client does.
type bearerKey string

func (k bearerKey) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(k)}, nil
}

func (bearerKey) RequireTransportSecurity() bool { return false }

var nameSchema = map[string]any{
	"type":       "object",
	"properties": map[string]any{"name": map[string]any{"type": "string"}, "age": map[string]any{"type": "integer", "minimum": 0}},
	"required":   []any{"name"},
}
