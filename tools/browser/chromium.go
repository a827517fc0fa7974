// Starting headless Chromium: where to find it, the flags it runs with on
// a machine with no network, and a browser with a profile of its own.

package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"time"

	"github.com/chromedp/chromedp"

	"example.com/webserver/tools/internal/course"
)

// installHint says how to get the browser that the test and -screenshots
// need.
const installHint = "install Debian's chromium (sudo apt-get install chromium on Debian or Ubuntu), or set $CHROMIUM to a Chromium or Chrome program"

// findChromium returns the path of the browser to drive: $CHROMIUM when
// it is set (and then only that, so that CHROMIUM=/nonexistent shows what
// a machine without Chromium does), else the first of chromium,
// chromium-browser and google-chrome found on PATH.
func findChromium() (string, error) {
	if name, ok := os.LookupEnv("CHROMIUM"); ok && name != "" {
		path, err := exec.LookPath(name)
		if err != nil {
			return "", fmt.Errorf("no Chromium found: $CHROMIUM is %q, which is not a program: %s", name, installHint)
		}
		return path, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", fmt.Errorf("no Chromium found on PATH (chromium, chromium-browser, google-chrome): %s", installHint)
}

// allocatorOptions are the command-line flags of every browser we start.
// chromedp's DefaultExecAllocatorOptions are close, but we list ours: each
// one is here for a reason a reader can check.
func allocatorOptions(exe, userDataDir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		// A new, empty profile for every start: no cookies, cache or
		// history from an earlier run (the /visits counter starts at 1).
		chromedp.UserDataDir(userDataDir),
		chromedp.Flag("headless", true),
		// As root (CI's container runs as root) Chromium will not start
		// with its sandbox on. As any other user the sandbox works, and it
		// stays on: it is what keeps a page away from the rest of the
		// machine.
		chromedp.Flag("no-sandbox", os.Geteuid() == 0),
		chromedp.Flag("disable-gpu", true),
		// The machine may have no network, and nothing but our loopback
		// servers is to be reached. Left to itself, Chromium connects in
		// the background to fetch components, safe-browsing lists, sync
		// data and default apps; on a closed network those connections
		// are refused. QUIC (HTTP/3, over UDP) is no use either: the parts
		// speak HTTP/1.1 over TCP.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-breakpad", true),
		// /dev/shm is small in many containers; Chromium crashes when it
		// fills, so it keeps that memory in the temporary folder instead.
		chromedp.Flag("disable-dev-shm-usage", true),
		// No keyring to ask for a password store.
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("mute-audio", true),
		// The same colours and the same Accept-Language on every machine,
		// so that the screenshots do not depend on where they were taken.
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("lang", "en-US"),
	}
}

// startTimeout bounds the start of a browser: a Chromium that hangs at
// start fails the run instead of holding it.
const startTimeout = 30 * time.Second

// A browser is a running Chromium, and its first tab.
type browser struct {
	Tab    context.Context // chromedp's context of the first tab
	output *course.Buffer  // what Chromium printed
	cancel []context.CancelFunc
}

// startBrowser starts Chromium exe with a new profile in userDataDir and
// the flags of allocatorOptions, plus extra ones, and opens its first tab.
// Close stops it.
func startBrowser(exe, userDataDir string, extra ...chromedp.ExecAllocatorOption) (*browser, error) {
	b := &browser{output: &course.Buffer{}}
	opts := append(allocatorOptions(exe, userDataDir), chromedp.CombinedOutput(b.output))
	opts = append(opts, extra...)
	// The browser lives as long as the context of its first action, so
	// that context has no deadline; the actions of the checks get theirs.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	b.Tab = tab
	b.cancel = []context.CancelFunc{cancelTab, cancelAlloc}

	started := make(chan error, 1)
	go func() { started <- chromedp.Do(tab) }()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case err := <-started:
		if err != nil {
			b.Close()
			return nil, fmt.Errorf("start %s: %w\n%s", exe, err, b.Output())
		}
		return b, nil
	case <-timer.C:
		b.Close()
		return nil, fmt.Errorf("start %s: no answer within %v\n%s", exe, startTimeout, b.Output())
	}
}

// Close stops the browser: it asks Chromium to close, so that it ends its
// own helper processes, and waits until it has exited.
func (b *browser) Close() {
	ctx, cancel := context.WithTimeout(b.Tab, 10*time.Second)
	defer cancel()
	chromedp.Cancel(ctx)
	for _, c := range b.cancel {
		c() // the allocator's cancel waits for the process to exit
	}
}

// Output returns what Chromium printed on its standard output and error.
func (b *browser) Output() string { return b.output.String() }

// submit runs trigger, an action that sends a form (a click on its
// button, or the form's submit), waits until the page it leads to has
// loaded, redirects followed, and fails unless that page came with 200 OK.
func submit(ctx context.Context, trigger chromedp.Action[chromedp.Void]) error {
	resp, err := chromedp.RunResponse(ctx, trigger)
	if err != nil {
		return fmt.Errorf("submit the form: %w", err)
	}
	if resp.Status != http.StatusOK {
		return fmt.Errorf("submit the form: %s answered %d %s", resp.URL, resp.Status, resp.StatusText)
	}
	return nil
}

// joinChat joins the chat on the page /chat as name, and waits until the
// socket is open and the hub has welcomed it.
func joinChat(ctx context.Context, name string) error {
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#name"), name)); err != nil {
		return err
	}
	if err := requestSubmit(ctx, "join"); err != nil {
		return err
	}
	return waitForChat(ctx, "", "You are "+name+".")
}

// sayInChat sends text from the chat's form.
func sayInChat(ctx context.Context, text string) error {
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#text"), text)); err != nil {
		return err
	}
	return requestSubmit(ctx, "say")
}

// requestSubmit submits the form with that id as a click on its button
// would: the page's submit handler runs (chromedp.Submit calls the form's
// submit(), which skips it and loads the form's action instead).
func requestSubmit(ctx context.Context, id string) error {
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(document.getElementById(%q).requestSubmit(), true)`, id)))
	return err
}

// waitForChat waits until the chat's log has a line by name (no name: a
// note) that holds text, or ctx ends.
func waitForChat(ctx context.Context, name, text string) error {
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(
		`[...document.querySelectorAll("#log li")].some(li => (li.querySelector(".name")?.textContent ?? "") === %q && li.textContent.includes(%q))`,
		name, text)))
	return err
}
