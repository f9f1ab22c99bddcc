package flowgate_test

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	flowgate "github.com/flowgate/flowgate/clients/go"
	flowgatev1 "github.com/flowgate/flowgate/clients/go/gen/flowgate/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// A wait survives a server restart: a process blocked in WaitForResumeResult (or ranging over
// WatchFlowRun) while its server is killed (SIGKILL) and started again on the same store gets the
// resume made after the restart, reconnecting a single-digit number of times.

// restartableServer is a server process on a fixed port, data dir and database, so that the server
// started again after a kill is the same address on the same store (its embedded store keeps its
// files in the data dir; with FLOWGATE_MONGODB_URI, one database of that store).
type restartableServer struct {
	t       *testing.T
	addr    string
	dataDir string
	apiKey  string
	env     []string
	cmd     *exec.Cmd
	exited  chan struct{}
}

func startRestartable(t *testing.T) *restartableServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := &restartableServer{t: t, addr: addr, dataDir: t.TempDir()}
	s.env = append(os.Environ(), "FLOWGATE_GRPC_ADDRESS="+addr, "FLOWGATE_HTTP_ADDRESS=127.0.0.1:0",
		"FLOWGATE_EVENT_POLL_MS=20", "FLOWGATE_DATA_DIR="+s.dataDir, "FLOWGATE_AUTH=enabled")
	if os.Getenv("FLOWGATE_LOG_LEVEL") == "" {
		s.env = append(s.env, "FLOWGATE_LOG_LEVEL=warn")
	}
	if os.Getenv("FLOWGATE_MONGODB_URI") != "" {
		s.env = append(s.env, "FLOWGATE_MONGODB_DATABASE=go_restart_"+randomHex(6))
	}
	s.start()
	key, err := os.ReadFile(filepath.Join(s.dataDir, "admin-key"))
	if err != nil {
		t.Fatalf("the server wrote no admin key: %v", err)
	}
	s.apiKey = strings.TrimSpace(string(key))
	t.Cleanup(s.kill) // before t.TempDir's removal: cleanups run last first
	return s
}

func (s *restartableServer) start() {
	s.t.Helper()
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		s.t.Fatal(err)
	}
	cmd := exec.Command("node", "--import", "tsx", "server/src/main.ts")
	cmd.Dir, cmd.Env = repo, s.env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("cannot start the flowgate server: %v", err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	listening := make(chan struct{})
	var seen []string
	go func() { // keeps draining stderr so the server never blocks on a full pipe
		re := regexp.MustCompile(`gRPC on (\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if listening != nil {
				seen = append(seen, sc.Text())
				if re.MatchString(sc.Text()) {
					close(listening)
					listening = nil
				}
			}
		}
		_ = cmd.Wait()
		close(s.exited)
	}()
	select {
	case <-listening:
	case <-s.exited:
		s.t.Fatalf("the flowgate server exited before listening: %v", seen)
	case <-time.After(3 * time.Minute): // the embedded store may be built on first use
		s.kill()
		s.t.Fatal("the flowgate server did not start in time")
	}
}

// kill is kill -9: no shutdown hook runs, the streams just drop.
func (s *restartableServer) kill() {
	if s.cmd != nil {
		_ = s.cmd.Process.Kill()
		<-s.exited
		s.cmd = nil
	}
}

// resumeAfterRestart kills the server, starts it again and resumes the run there, on a connection
// of its own.
func (s *restartableServer) resumeAfterRestart(ctx context.Context, runID string, input map[string]any, thenComplete bool) {
	s.t.Helper()
	s.kill()
	s.start()
	c, err := flowgate.Dial(ctx, s.addr, flowgate.WithAPIKey(s.apiKey))
	if err != nil {
		s.t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.ResumeFlowRun(ctx, runID, input); err != nil {
		s.t.Fatal(err)
	}
	if thenComplete {
		s.flow().complete(ctx, runID)
	}
}

// flow is the flow's side of a run (see flowSide) on a connection of its own to this server.
func (s *restartableServer) flow() *flowSide {
	s.t.Helper()
	conn, err := grpc.NewClient(s.addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(bearerKey(s.apiKey)))
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { conn.Close() })
	return &flowSide{t: s.t, runs: flowgatev1.NewRunServiceClient(conn)}
}

// firstMessage signals when a stream delivers its first message: WaitForResume's first heartbeat,
// sent as soon as the server holds the wait, so the test kills the server while the wait is open.
func firstMessage(seen chan<- struct{}) flowgate.Option {
	var once sync.Once
	return flowgate.WithDialOptions(grpc.WithChainStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc,
		cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		s, err := streamer(ctx, desc, cc, method, opts...)
		if err != nil {
			return nil, err
		}
		return observed{s, func() { once.Do(func() { close(seen) }) }}, nil
	}))
}

type observed struct {
	grpc.ClientStream
	received func()
}

func (o observed) RecvMsg(m any) error {
	err := o.ClientStream.RecvMsg(m)
	if err == nil {
		o.received()
	}
	return err
}

func TestAWaitSurvivesAServerRestartAndGetsTheResumeMadeAfterIt(t *testing.T) {
	s := startRestartable(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	runID := s.pausedRun(ctx)

	opened := make(chan struct{})
	waiter, err := flowgate.Dial(ctx, s.addr, flowgate.WithAPIKey(s.apiKey), firstMessage(opened))
	if err != nil {
		t.Fatal(err)
	}
	defer waiter.Close()
	var reconnects atomic.Int32
	type outcome struct {
		r   *flowgate.Resumed
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		r, err := waiter.WaitForResumeResult(ctx, runID, "1",
			flowgate.WithOnReconnect(func(int, error, time.Duration) { reconnects.Add(1) }))
		done <- outcome{r, err}
	}()
	select {
	case <-opened:
	case <-ctx.Done():
		t.Fatal("the wait never opened")
	}

	s.resumeAfterRestart(ctx, runID, map[string]any{"name": "after the restart"}, false)

	got := <-done
	if got.err != nil || got.r.Input["name"] != "after the restart" {
		t.Fatalf("want the resume made after the restart, got %+v %v", got.r, got.err)
	}
	if n := reconnects.Load(); n < 1 || n > 9 {
		t.Fatalf("want a single-digit number of reconnects, got %d", n)
	}
}

func TestAWatchSurvivesAServerRestartWithoutRepeatingAVersion(t *testing.T) {
	s := startRestartable(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	runID := s.pausedRun(ctx)

	c, err := flowgate.Dial(ctx, s.addr, flowgate.WithAPIKey(s.apiKey))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var versions []int64
	var last *flowgate.FlowRunEvent
	var reconnects atomic.Int32
	count := flowgate.WithOnReconnect(func(int, error, time.Duration) { reconnects.Add(1) })
	for ev, err := range c.WatchFlowRun(ctx, runID, count) {
		if err != nil {
			t.Fatal(err)
		}
		if last != nil && ev.Initial {
			t.Fatalf("a second initial event after the reconnect: %+v", ev)
		}
		versions, last = append(versions, ev.FlowRun.Version), ev
		if len(versions) == 1 {
			s.resumeAfterRestart(ctx, runID, map[string]any{"name": "watched"}, true)
		}
	}
	for i := 1; i < len(versions); i++ {
		if versions[i] <= versions[i-1] {
			t.Fatalf("versions out of order or repeated: %v", versions)
		}
	}
	if last == nil || last.FlowRun.StateType() != flowgate.StateCompleted {
		t.Fatalf("want the watch to end at a final state, got %+v", last)
	}
	if n := reconnects.Load(); n < 1 || n > 9 {
		t.Fatalf("want a single-digit number of reconnects, got %d", n)
	}
}

// pausedRun is a RUNNING run paused with key "1".
func (s *restartableServer) pausedRun(ctx context.Context) string {
	s.t.Helper()
	flow := s.flow()
	runID := flow.runningRun(ctx)
	flow.pause(ctx, runID, nameSchema)
	return runID
}
