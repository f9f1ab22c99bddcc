package flowgate

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// caFiles writes one self-signed CA certificate into two files, so the tests can tell which was used.
func caFiles(t *testing.T) (first, second string, pemText string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca"}, NotBefore: time.Now(),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pemText = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	dir := t.TempDir()
	first, second = filepath.Join(dir, "first.pem"), filepath.Join(dir, "second.pem")
	for _, f := range []string{first, second} {
		if err := os.WriteFile(f, []byte(pemText), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return first, second, pemText
}

// The options come first, then the environment, setting by setting; plaintext by default.
func TestTLSResolutionOrder(t *testing.T) {
	first, second, pemText := caFiles(t)
	for _, c := range []struct {
		name string
		opts tlsOptions
		env  map[string]string
		want string // in the description
	}{
		{"nothing: plaintext", tlsOptions{}, nil, "Tried without TLS"},
		{"FLOWGATE_TLS=true: the system's CAs", tlsOptions{}, map[string]string{envTLS: "true"}, "trusting the system's CAs"},
		{"FLOWGATE_TLS_CA implies TLS", tlsOptions{}, map[string]string{envTLSCA: first}, "trusting the CA in " + first},
		{"PEM text in FLOWGATE_TLS_CA", tlsOptions{}, map[string]string{envTLSCA: pemText}, "trusting the CA in given as PEM"},
		{"FLOWGATE_TLS=false wins over the CA", tlsOptions{}, map[string]string{envTLS: "false", envTLSCA: first}, "Tried without TLS"},
		{"WithPlaintext wins over the environment", tlsOptions{off: true}, map[string]string{envTLS: "true", envTLSCA: first}, "Tried without TLS"},
		{"WithTLS wins over FLOWGATE_TLS=false", tlsOptions{on: true}, map[string]string{envTLS: "false"}, "trusting the system's CAs"},
		{"WithTLS(\"\") takes FLOWGATE_TLS_CA's", tlsOptions{on: true}, map[string]string{envTLSCA: first}, "trusting the CA in " + first},
		{"WithTLS(file) over FLOWGATE_TLS_CA", tlsOptions{on: true, caFile: second}, map[string]string{envTLSCA: first}, "trusting the CA in " + second},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr, err := resolveTLS(c.opts, func(name string) string { return c.env[name] })
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(tr.description, c.want) {
				t.Fatalf("want %q in %q", c.want, tr.description)
			}
			if secure := tr.creds.Info().SecurityProtocol == "tls"; secure == strings.Contains(c.want, "without TLS") {
				t.Fatalf("credentials %q for %q", tr.creds.Info().SecurityProtocol, tr.description)
			}
		})
	}
}
