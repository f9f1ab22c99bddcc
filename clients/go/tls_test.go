package flowgate_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	flowgate "github.com/flowgate/flowgate/clients/go"
)

// TLS: WithTLS, WithClientCertificate and WithTLSConfig, else FLOWGATE_TLS, FLOWGATE_TLS_CA,
// FLOWGATE_TLS_CLIENT_CERT and FLOWGATE_TLS_CLIENT_KEY, against servers started with FLOWGATE_TLS_CERT
// and FLOWGATE_TLS_KEY (and FLOWGATE_TLS_CLIENT_CA for mTLS). A client trusting the server's CA gets
// through; one trusting only the system's CAs, one without TLS, or one without a certificate for an
// mTLS server fails with ErrUnavailable saying how it tried and what to set.

const noRun = "00000000-0000-4000-8000-000000000000"

// certificates are PEM files made here: a CA, a server certificate for 127.0.0.1 and localhost, and a
// client certificate, both signed by the CA.
type certificates struct {
	dir, ca, cert, key, clientCert, clientKey string
}

var testCerts struct {
	once  sync.Once
	certs certificates
	err   error
}

func certs(t *testing.T) certificates {
	t.Helper()
	testCerts.once.Do(func() {
		testCerts.certs, testCerts.err = makeCertificates()
		if testCerts.err == nil {
			atExit(func() { _ = os.RemoveAll(testCerts.certs.dir) })
		}
	})
	if testCerts.err != nil {
		t.Fatal(testCerts.err)
	}
	return testCerts.certs
}

func makeCertificates() (certificates, error) {
	dir, err := os.MkdirTemp("", "flowgate-go-tls-")
	if err != nil {
		return certificates{}, err
	}
	c := certificates{
		dir: dir, ca: filepath.Join(dir, "ca.pem"), cert: filepath.Join(dir, "server.pem"), key: filepath.Join(dir, "server.key"),
		clientCert: filepath.Join(dir, "client.pem"), clientKey: filepath.Join(dir, "client.key"),
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return c, err
	}
	now := time.Now()
	caTemplate := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "flowgate test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(48 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return c, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return c, err
	}
	if err := writePEM(c.ca, "CERTIFICATE", caDER); err != nil {
		return c, err
	}
	issue := func(serial int64, name string, usage x509.ExtKeyUsage, certFile, keyFile string, ips []net.IP, dns []string) error {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		template := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(48 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: ips, DNSNames: dns,
		}
		der, err := x509.CreateCertificate(rand.Reader, template, caCert, &key.PublicKey, caKey)
		if err != nil {
			return err
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return err
		}
		if err := writePEM(certFile, "CERTIFICATE", der); err != nil {
			return err
		}
		return writePEM(keyFile, "PRIVATE KEY", keyDER)
	}
	if err := issue(2, "localhost", x509.ExtKeyUsageServerAuth, c.cert, c.key, []net.IP{net.ParseIP("127.0.0.1")}, []string{"localhost"}); err != nil {
		return c, err
	}
	return c, issue(3, "a go client", x509.ExtKeyUsageClientAuth, c.clientCert, c.clientKey, nil, nil)
}

func writePEM(file, kind string, der []byte) error {
	return os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600)
}

// tlsServer is a server started once for all tests that need it, with its own settings.
type tlsServer struct {
	once   sync.Once
	addr   string
	apiKey string
	err    error
}

var tlsOnly, mutualTLS tlsServer

func (s *tlsServer) start(t *testing.T, env ...string) (addr, apiKey string) {
	t.Helper()
	s.once.Do(func() {
		var stop func()
		s.addr, s.apiKey, stop, s.err = startServer(env...)
		if s.err == nil {
			atExit(stop)
		}
	})
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.addr, s.apiKey
}

func tlsServerAddress(t *testing.T) (addr, apiKey string) {
	c := certs(t)
	return tlsOnly.start(t, "FLOWGATE_TLS_CERT="+c.cert, "FLOWGATE_TLS_KEY="+c.key)
}

func mtlsServerAddress(t *testing.T) (addr, apiKey string) {
	c := certs(t)
	return mutualTLS.start(t, "FLOWGATE_TLS_CERT="+c.cert, "FLOWGATE_TLS_KEY="+c.key, "FLOWGATE_TLS_CLIENT_CA="+c.ca)
}

// noTLSVariables clears the TLS variables of the environment the tests run in; each test sets its own.
func noTLSVariables(t *testing.T) {
	for _, name := range []string{"FLOWGATE_TLS", "FLOWGATE_TLS_CA", "FLOWGATE_TLS_CLIENT_CERT", "FLOWGATE_TLS_CLIENT_KEY"} {
		t.Setenv(name, "")
	}
}

// getsThrough dials and calls: past TLS and authentication, the run is not found.
func getsThrough(t *testing.T, addr string, opts ...flowgate.Option) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := flowgate.Dial(ctx, addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.GetFlowRun(ctx, noRun); !errors.Is(err, flowgate.ErrFlowRunNotFound) {
		t.Fatalf("want ErrFlowRunNotFound (the call got through), got %v", err)
	}
}

// connectionFailure is the error of a call on a lazily dialled client that cannot connect.
func connectionFailure(t *testing.T, addr string, opts ...flowgate.Option) *flowgate.Error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := flowgate.Dial(ctx, addr, append(opts, flowgate.WithLazyConnect())...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.GetFlowRun(ctx, noRun)
	var fe *flowgate.Error
	if !errors.As(err, &fe) || !errors.Is(err, flowgate.ErrUnavailable) || fe.Reason != "" {
		t.Fatalf("want ErrUnavailable without a reason (grpc's own), got %v", err)
	}
	return fe
}

func wantIn(t *testing.T, text, want string) {
	t.Helper()
	if !strings.Contains(text, want) {
		t.Fatalf("want %q in %q", want, text)
	}
}

func TestTLSWithTheServersCA(t *testing.T) {
	noTLSVariables(t)
	addr, key := tlsServerAddress(t)
	getsThrough(t, addr, flowgate.WithAPIKey(key), flowgate.WithTLS(certs(t).ca))
}

func TestTLSCAFromTheEnvironmentAsAFileOrAsPEM(t *testing.T) {
	noTLSVariables(t)
	addr, key := tlsServerAddress(t)
	t.Setenv("FLOWGATE_TLS_CA", certs(t).ca)
	getsThrough(t, addr, flowgate.WithAPIKey(key))
	pem, err := os.ReadFile(certs(t).ca)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("FLOWGATE_TLS_CA", string(pem))
	getsThrough(t, addr, flowgate.WithAPIKey(key))
}

func TestTLSWithoutTheCAFailsNamingTheCAsItTrusted(t *testing.T) {
	noTLSVariables(t)
	addr, key := tlsServerAddress(t)
	err := connectionFailure(t, addr, flowgate.WithAPIKey(key), flowgate.WithTLS(""))
	wantIn(t, err.Message, "Tried over TLS, trusting the system's CAs, without a client certificate; set FLOWGATE_TLS_CA")
}

func TestPlaintextToATLSServerFailsSayingItTriedWithoutTLS(t *testing.T) {
	noTLSVariables(t)
	addr, key := tlsServerAddress(t)
	err := connectionFailure(t, addr, flowgate.WithAPIKey(key))
	wantIn(t, err.Message, "Tried without TLS; if the server uses TLS, set FLOWGATE_TLS_CA to its CA's certificate")

	// WithPlaintext wins over the environment; Dial's own error (ctx ending first) says the same.
	t.Setenv("FLOWGATE_TLS_CA", certs(t).ca)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, dialErr := flowgate.Dial(ctx, addr, flowgate.WithAPIKey(key), flowgate.WithPlaintext())
	if dialErr == nil {
		c.Close()
		t.Fatal("a plaintext Dial to a TLS server succeeded")
	}
	wantIn(t, dialErr.Error(), "Tried without TLS")
}

func TestTLSFailureOnAStreamSaysHowItTried(t *testing.T) {
	noTLSVariables(t)
	addr, key := tlsServerAddress(t)
	c, err := flowgate.Dial(context.Background(), addr, flowgate.WithAPIKey(key), flowgate.WithTLS(""), flowgate.WithLazyConnect())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, err := range c.WatchFlowRun(ctx, noRun) {
		if !errors.Is(err, flowgate.ErrUnavailable) {
			t.Fatalf("want ErrUnavailable, got %v", err)
		}
		wantIn(t, err.Error(), "Tried over TLS, trusting the system's CAs")
		return
	}
	t.Fatal("the stream ended without an error")
}

func TestMTLSWithTheClientCertificateWorksAndWithoutItFails(t *testing.T) {
	noTLSVariables(t)
	addr, key := mtlsServerAddress(t)
	c := certs(t)
	getsThrough(t, addr, flowgate.WithAPIKey(key), flowgate.WithTLS(c.ca), flowgate.WithClientCertificate(c.clientCert, c.clientKey))
	err := connectionFailure(t, addr, flowgate.WithAPIKey(key), flowgate.WithTLS(c.ca))
	wantIn(t, err.Message, "Tried over TLS, trusting the CA in "+c.ca+", without a client certificate")
	wantIn(t, err.Message, "FLOWGATE_TLS_CLIENT_CERT and FLOWGATE_TLS_CLIENT_KEY")
}

func TestMTLSSettingsFromTheEnvironment(t *testing.T) {
	noTLSVariables(t)
	addr, key := mtlsServerAddress(t)
	c := certs(t)
	t.Setenv("FLOWGATE_TLS_CA", c.ca)
	t.Setenv("FLOWGATE_TLS_CLIENT_CERT", c.clientCert)
	t.Setenv("FLOWGATE_TLS_CLIENT_KEY", c.clientKey)
	getsThrough(t, addr, flowgate.WithAPIKey(key))
}

func TestTLSSettingsThatCannotBeUsedFailDial(t *testing.T) {
	noTLSVariables(t)
	c := certs(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		opts []flowgate.Option
		env  map[string]string
		want string
	}{
		{"a missing CA file", []flowgate.Option{flowgate.WithTLS(filepath.Join(c.dir, "missing.pem"))}, nil,
			"cannot read the CA certificate (FLOWGATE_TLS_CA) " + filepath.Join(c.dir, "missing.pem")},
		{"a CA file without a certificate", []flowgate.Option{flowgate.WithTLS(c.clientKey)}, nil, "no PEM certificate"},
		{"a certificate without its key", nil, map[string]string{"FLOWGATE_TLS_CLIENT_CERT": c.clientCert},
			"a client certificate needs its key: set both FLOWGATE_TLS_CLIENT_CERT and FLOWGATE_TLS_CLIENT_KEY"},
		{"a key that is not the certificate's", []flowgate.Option{flowgate.WithClientCertificate(c.clientCert, c.key)}, nil,
			"the client certificate " + c.clientCert + " and its key"},
		{"FLOWGATE_TLS neither true nor false", nil, map[string]string{"FLOWGATE_TLS": "yes"}, `FLOWGATE_TLS must be "true" or "false"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			client, err := flowgate.Dial(ctx, "127.0.0.1:1", append(tc.opts, flowgate.WithLazyConnect())...)
			if err == nil {
				client.Close()
				t.Fatal("Dial succeeded")
			}
			wantIn(t, err.Error(), tc.want)
		})
	}
}
