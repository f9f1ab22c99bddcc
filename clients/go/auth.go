package flowgate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
)

// localAdminKeyFile is where a server started in the working directory writes its first admin key
// (FLOWGATE_DATA_DIR's default is .flowgate).
const localAdminKeyFile = ".flowgate/admin-key"

// WithAPIKey sets the API key's secret, sent as `authorization: Bearer <secret>` with every call.
// Without it Dial uses FLOWGATE_API_KEY, else — only for a server on a loopback address —
// .flowgate/admin-key of the working directory. Without any key the server refuses calls with
// ErrUnauthenticated.
func WithAPIKey(secret string) Option { return func(c *dialConfig) { c.apiKey = secret } }

// resolveAPIKey finds the key for a server at addr, the same way the TypeScript SDK, the CLI and the
// Python client do; "" when there is none. The local key file is read for a loopback address only: a
// key meant for the server on this machine is never sent to another one.
func resolveAPIKey(explicit, addr string) (string, error) {
	if k := strings.TrimSpace(explicit); k != "" {
		return k, nil
	}
	if k := strings.TrimSpace(os.Getenv("FLOWGATE_API_KEY")); k != "" {
		return k, nil
	}
	if !isLoopbackAddress(addr) {
		return "", nil
	}
	b, err := os.ReadFile(localAdminKeyFile)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("flowgate: cannot read the API key from %s: %w", localAdminKeyFile, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// isLoopbackAddress reports whether addr ("host:port", optionally with a gRPC scheme such as
// "dns:///") names this machine: 127.x.x.x, localhost or ::1.
func isLoopbackAddress(addr string) bool {
	if i := strings.Index(addr, ":///"); i >= 0 {
		addr = addr[i+4:]
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// bearer sends the key with every call of the connection, unary and streaming alike, except a call
// whose context says it carries a resume link's token instead (withoutAPIKey).
type bearer string

func (b bearer) GetRequestMetadata(ctx context.Context, _ ...string) (map[string]string, error) {
	if ctx.Value(noAPIKey{}) != nil {
		return nil, nil
	}
	return map[string]string{"authorization": "Bearer " + string(b)}, nil
}

type noAPIKey struct{}

// withoutAPIKey marks a call that must not carry the API key: one with a resume token, which acts as
// the link's principal (the per-RPC credentials see the call's context).
func withoutAPIKey(ctx context.Context) context.Context {
	return context.WithValue(ctx, noAPIKey{}, true)
}

// RequireTransportSecurity is false so that a key works over the plain connections of a local server;
// use TLS (WithTLS) for any other.
func (bearer) RequireTransportSecurity() bool { return false }

// String keeps the secret out of logs and fmt output.
func (bearer) String() string { return "bearer(redacted)" }
