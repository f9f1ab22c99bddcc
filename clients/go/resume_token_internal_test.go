package flowgate

import (
	"context"
	"fmt"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	flowgatev1 "github.com/flowgate/flowgate/clients/go/gen/flowgate/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// recording answers ResumeFlowRun and RejectFlowRun and records the authorization each call carried
// ("" for none): what the client sends, seen by a gRPC server in this process.
type recording struct {
	flowgatev1.UnimplementedRunServiceServer
	mu   sync.Mutex
	seen []string
}

func (r *recording) record(ctx context.Context) {
	md, _ := metadata.FromIncomingContext(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, strings.Join(md.Get("authorization"), ","))
}

func (r *recording) ResumeFlowRun(ctx context.Context, req *flowgatev1.ResumeFlowRunRequest) (*flowgatev1.ResumeFlowRunResponse, error) {
	r.record(ctx)
	return &flowgatev1.ResumeFlowRunResponse{FlowRun: &flowgatev1.FlowRun{Id: req.GetFlowRunId()}, Resumed: true}, nil
}

func (r *recording) RejectFlowRun(ctx context.Context, req *flowgatev1.RejectFlowRunRequest) (*flowgatev1.RejectFlowRunResponse, error) {
	r.record(ctx)
	return &flowgatev1.RejectFlowRunResponse{FlowRun: &flowgatev1.FlowRun{Id: req.GetFlowRunId()}}, nil
}

func TestACallWithAResumeTokenCarriesNoAPIKey(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recording{}
	srv := grpc.NewServer()
	flowgatev1.RegisterRunServiceServer(srv, rec)
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
	c, err := Dial(ctx, lis.Addr().String(), WithAPIKey("fgk_secret"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	if _, err := c.ResumeFlowRun(ctx, "r", nil, WithResumeToken("fgr_token")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RejectFlowRun(ctx, "r", "no", WithResumeToken("fgr_token")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ResumeFlowRun(ctx, "r", nil); err != nil {
		t.Fatal(err)
	}
	if want := []string{"", "", "Bearer fgk_secret"}; !reflect.DeepEqual(rec.seen, want) {
		t.Fatalf("authorization sent: %q, want %q", rec.seen, want)
	}
}

func TestAResumeLinkPrintsWithoutItsToken(t *testing.T) {
	l := ResumeLink{ID: "l1", Approver: "alice", URL: "http://ui/approve/fgr_secret", Token: "fgr_secret"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if got := fmt.Sprintf(format, l); strings.Contains(got, "fgr_secret") {
			t.Fatalf("%s prints the token: %s", format, got)
		}
	}
	if got := fmt.Sprintf("%v", []ResumeLink{l}); strings.Contains(got, "fgr_secret") {
		t.Fatalf("a slice of links prints the token: %s", got)
	}
}
