package flowgate

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func withLocalKeyFile(t *testing.T, secret string) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.Mkdir(filepath.Join(dir, ".flowgate"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".flowgate", "admin-key"), []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// The option comes first, then FLOWGATE_API_KEY, then (loopback only) .flowgate/admin-key, trimmed.
func TestAPIKeyPrecedence(t *testing.T) {
	withLocalKeyFile(t, "from-file")
	t.Setenv("FLOWGATE_API_KEY", "from-env")
	for _, c := range []struct{ explicit, want string }{{"explicit", "explicit"}, {"", "from-env"}} {
		if got, err := resolveAPIKey(c.explicit, "127.0.0.1:50051"); err != nil || got != c.want {
			t.Errorf("resolveAPIKey(%q): got %q %v, want %q", c.explicit, got, err, c.want)
		}
	}
	t.Setenv("FLOWGATE_API_KEY", "")
	for _, addr := range []string{"127.0.0.1:50051", "127.1.2.3:1", "localhost:50051", "[::1]:50051", "dns:///localhost:50051"} {
		if got, err := resolveAPIKey("", addr); err != nil || got != "from-file" {
			t.Errorf("loopback %s: got %q %v, want the local key file's", addr, got, err)
		}
	}
}

// A key meant for the server on this machine is never sent to another one.
func TestTheLocalKeyFileIsNotSentToAnotherMachine(t *testing.T) {
	withLocalKeyFile(t, "from-file")
	t.Setenv("FLOWGATE_API_KEY", "")
	for _, addr := range []string{"flowgate.example.com:50051", "10.0.0.5:50051", "[2001:db8::1]:50051", "0.0.0.0:50051"} {
		if got, err := resolveAPIKey("", addr); err != nil || got != "" {
			t.Errorf("remote %s: got %q %v, want no key", addr, got, err)
		}
	}
}

func TestTheKeyIsNeverPrinted(t *testing.T) {
	if s := fmt.Sprint(bearer("fgk_secret")) + fmt.Sprintf("%v %+v", bearer("fgk_secret"), bearer("fgk_secret")); s != "bearer(redacted)bearer(redacted) bearer(redacted)" {
		t.Fatalf("the secret shows in %q", s)
	}
}
