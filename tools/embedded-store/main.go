// Command embedded-store runs FerretDB v1 with its SQLite backend, so that Flowgate has a
// MongoDB-wire-compatible store on machines where MongoDB itself cannot be installed. It listens on a
// Unix socket (--listen-unix; reachable only by users who may enter its folder) or on loopback TCP.
//
// It prints one line "ready mongodb://…/" on stdout once it accepts connections, and stops on
// SIGINT/SIGTERM or when its standard input closes (so it never outlives its parent).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	dataDir := flag.String("data-dir", ".flowgate/store", "folder for the SQLite databases")
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on (port 0 picks a free port); unused with -listen-unix")
	listenUnix := flag.String("listen-unix", "", "Unix socket path to listen on instead of TCP")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	watchStdin := flag.Bool("exit-on-stdin-close", true, "stop when standard input closes")
	sync := flag.String("sync", "normal", "SQLite synchronous mode: normal (survives process crashes, may lose the last commits on power loss) or full (fsync on every commit)")
	flag.Parse()

	if *sync != "normal" && *sync != "full" {
		fmt.Fprintf(os.Stderr, "embedded-store: -sync must be normal or full, got %q\n", *sync)
		os.Exit(2)
	}
	if err := run(*dataDir, *listen, *listenUnix, *logLevel, *sync, *watchStdin); err != nil {
		fmt.Fprintf(os.Stderr, "embedded-store: %v\n", err)
		os.Exit(1)
	}
}

func run(dataDir, listen, listenUnix, logLevel, sync string, watchStdin bool) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("invalid log level %q", logLevel)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return fmt.Errorf("cannot create data folder: %w", err)
	}

	listener := ferretdb.ListenerConfig{TCP: listen}
	if listenUnix != "" {
		// A socket left by a store that was killed would make the bind fail.
		_ = os.Remove(listenUnix)
		listener = ferretdb.ListenerConfig{Unix: listenUnix}
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: listener,
		Logger:   logger,
		Handler:  "sqlite",
		// WAL is FerretDB's default journal; synchronous=normal drops the fsync per commit, which costs
		// 30-50 ms per write on ordinary disks, without risk to data on a crash of this process.
		SQLiteURL: "file:" + abs + "/?_pragma=synchronous(" + sync + ")",
	})
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if watchStdin {
		ctx = stopOnStdinClose(ctx)
	}

	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	go keepIDIndexes(ctx, abs, 2*time.Second, logger)

	// Run binds the listener asynchronously; MongoDBURI is only valid once the port is bound.
	network, address, uri := "tcp", "", ""
	if listenUnix != "" {
		// The driver wants the socket path percent-encoded in the host part.
		network, address, uri = "unix", listenUnix, "mongodb://"+url.QueryEscape(listenUnix)+"/"
	} else {
		uri = f.MongoDBURI()
		address = uri[len("mongodb://") : len(uri)-1]
	}
	if err := waitForListener(ctx, network, address); err != nil {
		return err
	}
	fmt.Printf("ready %s\n", uri)

	return <-done
}

func stopOnStdinClose(parent context.Context) context.Context {
	ctx, cancel := context.WithCancel(parent)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	return ctx
}

func waitForListener(ctx context.Context, network, address string) error {
	for {
		conn, err := net.DialTimeout(network, address, 200*time.Millisecond)
		if err == nil {
			return conn.Close()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
