package flowgate

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// The environment variables Dial reads when no TLS option decides, with the same meaning as for the
// TypeScript SDK, the CLI and the Python client.
const (
	envTLS        = "FLOWGATE_TLS"             // "true" or "false"
	envTLSCA      = "FLOWGATE_TLS_CA"          // the CA that signed the server's certificate; implies TLS
	envClientCert = "FLOWGATE_TLS_CLIENT_CERT" // a client certificate, for a server that requires one
	envClientKey  = "FLOWGATE_TLS_CLIENT_KEY"  // its private key
)

// tlsOptions are the TLS options given to Dial; each unset one falls back on its variable.
type tlsOptions struct {
	on, off           bool
	caFile            string
	certFile, keyFile string
	config            *tls.Config
}

// WithTLS connects over TLS, trusting the CA certificate(s) in the PEM file caFile for the server's
// certificate; with "" it trusts FLOWGATE_TLS_CA's, else the system's CAs. Without any TLS option,
// Dial uses TLS when FLOWGATE_TLS=true or FLOWGATE_TLS_CA (or a client certificate variable) is set,
// and a plaintext connection otherwise, what a local `npm start` serves.
func WithTLS(caFile string) Option {
	return func(c *dialConfig) { c.tls.on, c.tls.caFile = true, caFile }
}

// WithClientCertificate presents the certificate in certFile with its key in keyFile (PEM files) to a
// server that requires client certificates (mTLS); it implies TLS. Default: FLOWGATE_TLS_CLIENT_CERT
// and FLOWGATE_TLS_CLIENT_KEY.
func WithClientCertificate(certFile, keyFile string) Option {
	return func(c *dialConfig) { c.tls.certFile, c.tls.keyFile = certFile, keyFile }
}

// WithTLSConfig connects over TLS with cfg as it is (its RootCAs, Certificates, ServerName, ...),
// ignoring the other TLS options and the environment.
func WithTLSConfig(cfg *tls.Config) Option { return func(c *dialConfig) { c.tls.config = cfg } }

// WithPlaintext connects without TLS whatever the environment says.
func WithPlaintext() Option { return func(c *dialConfig) { c.tls.off = true } }

// transport is how Dial connects: its credentials and, for failures to connect, a sentence saying how.
type transport struct {
	creds       credentials.TransportCredentials
	description string
}

// resolveTLS picks the connection's security: the options first, then the environment, setting by
// setting. Files are read here, once, so a wrong path fails Dial at once.
func resolveTLS(o tlsOptions, getenv func(string) string) (transport, error) {
	if o.off {
		return plaintext(), nil
	}
	if o.config != nil {
		return transport{credentials.NewTLS(o.config.Clone()), "Tried over TLS with the tls.Config given to WithTLSConfig."}, nil
	}
	env := func(name string) string {
		if strings.TrimSpace(getenv(name)) == "" {
			return ""
		}
		return getenv(name)
	}
	ca, cert, key := o.caFile, o.certFile, o.keyFile
	if ca == "" {
		ca = env(envTLSCA)
	}
	if cert == "" {
		cert = env(envClientCert)
	}
	if key == "" {
		key = env(envClientKey)
	}
	on := o.on || o.certFile != "" || o.keyFile != ""
	if !on {
		switch flag := strings.ToLower(strings.TrimSpace(env(envTLS))); flag {
		case "true":
			on = true
		case "false":
			return plaintext(), nil
		case "":
			on = ca != "" || cert != "" || key != ""
		default:
			return transport{}, fmt.Errorf("flowgate: %s must be \"true\" or \"false\", got %q", envTLS, getenv(envTLS))
		}
	}
	if !on {
		return plaintext(), nil
	}
	if (cert == "") != (key == "") {
		return transport{}, fmt.Errorf("flowgate: a client certificate needs its key: set both %s and %s (or WithClientCertificate)", envClientCert, envClientKey)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	trusted := "the system's CAs"
	if ca != "" {
		pem, from, err := readPEM(ca, "the CA certificate ("+envTLSCA+")")
		if err != nil {
			return transport{}, err
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return transport{}, fmt.Errorf("flowgate: no PEM certificate in the CA certificate (%s) %s", envTLSCA, from)
		}
		trusted = "the CA in " + from
	}
	client := "without a client certificate"
	if cert != "" {
		certPEM, from, err := readPEM(cert, "the client certificate ("+envClientCert+")")
		if err != nil {
			return transport{}, err
		}
		keyPEM, _, err := readPEM(key, "the client key ("+envClientKey+")")
		if err != nil {
			return transport{}, err
		}
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return transport{}, fmt.Errorf("flowgate: the client certificate %s and its key: %w", from, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
		client = "with the client certificate " + from
	}
	// grpc sets cfg.ServerName from the address's host, so the server's certificate must name it.
	return transport{
		creds: credentials.NewTLS(cfg),
		description: fmt.Sprintf("Tried over TLS, trusting %s, %s; set %s, %s and %s as the server requires.",
			trusted, client, envTLSCA, envClientCert, envClientKey),
	}, nil
}

func plaintext() transport {
	return transport{
		creds:       insecure.NewCredentials(),
		description: fmt.Sprintf("Tried without TLS; if the server uses TLS, set %s to its CA's certificate, or %s=true.", envTLSCA, envTLS),
	}
}

// readPEM reads a PEM input: a file's path, or PEM text itself (as a secret handed over in an
// environment variable often is). from names it in messages.
func readPEM(source, what string) (pem []byte, from string, err error) {
	if strings.HasPrefix(strings.TrimLeft(source, " \t\r\n"), "-----BEGIN") {
		return []byte(source), "given as PEM", nil
	}
	path := strings.TrimSpace(source)
	b, err := os.ReadFile(path)
	if err != nil {
		var pathErr *os.PathError
		if errors.As(err, &pathErr) {
			err = pathErr.Err
		}
		return nil, "", fmt.Errorf("flowgate: cannot read %s %s: %w", what, path, err)
	}
	return b, path, nil
}

// describeFailures adds how the connection was tried to a failure to connect: an UNAVAILABLE status
// that grpc made itself (no details from a server), such as "error reading server preface: EOF" for
// plaintext to a TLS server, which says nothing about what to change. The code stays UNAVAILABLE.
func describeFailures(description string) []grpc.DialOption {
	describe := func(err error) error {
		st, ok := status.FromError(err)
		if !ok || st.Code() != codes.Unavailable || len(st.Proto().GetDetails()) > 0 {
			return err
		}
		msg := strings.TrimRight(st.Message(), ". ")
		return status.Error(codes.Unavailable, msg+". "+description)
	}
	return []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
			invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			return describe(invoker(ctx, method, req, reply, cc, opts...))
		}),
		grpc.WithChainStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string,
			streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			s, err := streamer(ctx, desc, cc, method, opts...)
			if err != nil {
				return nil, describe(err)
			}
			return describedStream{s, describe}, nil
		}),
	}
}

type describedStream struct {
	grpc.ClientStream
	describe func(error) error
}

func (s describedStream) RecvMsg(m any) error { return s.describe(s.ClientStream.RecvMsg(m)) }
