// Command watch prints a flow run's states as they change, one per line, until a final state:
//
//	go run ./examples/watch 127.0.0.1:50051 RUN_ID
//
// It is also the Go process of the cross-language test (C04).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/flowgate/flowgate/clients/go"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: watch ADDRESS RUN_ID")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	client, err := flowgate.Dial(ctx, os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer client.Close()
	for ev, err := range client.WatchFlowRun(ctx, os.Args[2]) {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(ev.FlowRun.StateType())
	}
}
