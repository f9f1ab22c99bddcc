package flowgate

import (
	"context"
	"net/url"
	"strings"
	"sync"

	flowgatev1 "github.com/flowgate/flowgate/clients/go/gen/flowgate/v1"
)

// Caller is who a client's calls act as (GetCaller): the key's principal, its id ("" with
// authentication disabled), groups and scopes, and the web UI's base address the server reports.
type Caller struct {
	Name   string
	KeyID  string
	Groups []string
	Scopes []string
	UIURL  string
}

// GetCaller says who this client's calls act as. Errors: ErrUnauthenticated when the key is missing,
// unknown, expired or revoked.
func (c *Client) GetCaller(ctx context.Context) (*Caller, error) {
	res, err := unary(ctx, c.keys.GetCaller, &flowgatev1.GetCallerRequest{})
	if err != nil {
		return nil, err
	}
	return &Caller{Name: res.GetName(), KeyID: res.GetKeyId(), Groups: res.GetGroups(), Scopes: res.GetScopes(), UIURL: res.GetUiUrl()}, nil
}

// uiURL is the web UI's base address once known: FLOWGATE_UI_URL of this process, else the server's
// first non-empty answer.
type uiURL struct {
	mu  sync.Mutex
	url string
}

// configuredUIURL is FLOWGATE_UI_URL without a trailing slash; "" when unset or blank.
func configuredUIURL(getenv func(string) string) string {
	return strings.TrimRight(strings.TrimSpace(getenv("FLOWGATE_UI_URL")), "/")
}

// UIURL is the web UI's base address ("http://127.0.0.1:4200", no trailing slash), as the TypeScript
// SDK finds it: FLOWGATE_UI_URL of this process when set (a UI reached through another name), else
// the address the server reports serving it on (GetCaller, asked once and kept). "" when the server
// reports none. Errors: as GetCaller, when the server must be asked.
func (c *Client) UIURL(ctx context.Context) (string, error) {
	c.ui.mu.Lock()
	known := c.ui.url
	c.ui.mu.Unlock()
	if known != "" {
		return known, nil
	}
	caller, err := c.GetCaller(ctx)
	if err != nil {
		return "", err
	}
	// An empty answer is not kept: the server's HTTP side may not have been up yet.
	reported := strings.TrimRight(caller.UIURL, "/")
	c.ui.mu.Lock()
	defer c.ui.mu.Unlock()
	if c.ui.url == "" {
		c.ui.url = reported
	}
	return c.ui.url, nil
}

// RunURL is a run's page in the web UI ("http://127.0.0.1:4200/runs/<id>"); "" when the UI's address
// is unknown. Errors: as UIURL.
func (c *Client) RunURL(ctx context.Context, runID string) (string, error) {
	base, err := c.UIURL(ctx)
	if err != nil || base == "" {
		return "", err
	}
	return base + "/runs/" + url.PathEscape(runID), nil
}
