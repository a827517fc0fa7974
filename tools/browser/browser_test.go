// The browser test: every part's site in headless Chromium, as a reader's
// browser sees it.
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"image"
	_ "image/png" // socket.png's size, to compare with what the browser decoded
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"example.com/webserver/tools/internal/course"
)

// checkTimeout bounds each check: a page that never loads, or a browser
// that stops answering, fails the check instead of hanging the test.
const checkTimeout = 30 * time.Second

func TestBrowser(t *testing.T) {
	exe, err := findChromium()
	if err != nil {
		t.Skip(err) // it says how to install Chromium
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := course.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := course.Parts(root)
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	buildCtx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	if err := course.BuildParts(buildCtx, root, bin, parts); err != nil {
		t.Fatal(err)
	}

	// Each part runs beside the others, with a browser of its own: cookies
	// are not kept per port, so one browser would carry part 2's visits
	// into part 3's count.
	for _, p := range parts {
		t.Run(p.Dir, func(t *testing.T) {
			t.Parallel()
			srv := startPart(t, root, bin, p)
			b := startChromium(t, exe)
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("%s printed:\n%s", p.Dir, srv.Output())
					t.Logf("Chromium printed:\n%s", b.Output())
				}
			})
			if p.N == 1 {
				t.Run("echo", func(t *testing.T) { checkEcho(t, b, srv) })
				return
			}
			t.Run("style", func(t *testing.T) { checkStyle(t, b, srv) })
			t.Run("image", func(t *testing.T) { checkImage(t, b, srv, root) })
			t.Run("visits", func(t *testing.T) { checkVisits(t, b, srv) })
			if p.N >= 3 {
				t.Run("upload", func(t *testing.T) { checkUpload(t, b, srv) })
				t.Run("cgi-form", func(t *testing.T) { checkCGIForm(t, b, srv) })
			}
			if p.N >= 4 {
				t.Run("tabs", func(t *testing.T) { checkTabs(t, b, srv) })
				t.Run("chat", func(t *testing.T) { checkChat(t, b, srv) })
				if runtime.GOOS != "windows" {
					t.Run("chat-process-model", func(t *testing.T) {
						checkChatAlone(t, b, startPart(t, root, bin, p, "-model", "process"))
					})
				}
			}
		})
	}
}

// startPart starts part p from bin with an upload folder of its own, and
// stops it when the test ends.
func startPart(t *testing.T, root, bin string, p course.Part, extra ...string) *server {
	t.Helper()
	files := filepath.Join(t.TempDir(), "files")
	if err := os.Mkdir(files, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	srv, err := startServer(ctx, root, bin, p, files, extra...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return srv
}

// startChromium starts a browser with a new, empty profile, and closes it
// when the test ends.
func startChromium(t *testing.T, exe string) *browser {
	t.Helper()
	b, err := startBrowser(exe, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// tab returns the context of b's tab for one check, with its deadline.
func tab(t *testing.T, b *browser) context.Context {
	ctx, cancel := context.WithTimeout(b.Tab, checkTimeout)
	t.Cleanup(cancel)
	return ctx
}

// do runs actions in the tab and stops the test at the first error.
func do(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page and decodes its
// value into T; a promise is awaited.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// checkEcho: part 1 answers the browser with the request head it sent, as
// plain text.
func checkEcho(t *testing.T, b *browser, srv *server) {
	ctx := tab(t, b)
	do(t, ctx, "load /hello", chromedp.Navigate(srv.URL+"/hello"))
	type page struct {
		ContentType, FirstLine, Host string
	}
	got := eval[page](t, ctx, `(() => {
		const lines = document.body.innerText.split("\n");
		return {
			contentType: document.contentType,
			firstLine: lines[0],
			host: lines.find(l => l.startsWith("Host: ")) ?? "",
		};
	})()`)
	want := page{"text/plain", "GET /hello HTTP/1.1", "Host: " + strings.TrimPrefix(srv.URL, "http://")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("echoed request (-want +got):\n%s", diff)
	}
}

// checkStyle: the stylesheet applies. A browser uses a stylesheet only if
// it comes with Content-Type: text/css, so a wrong type shows here too.
func checkStyle(t *testing.T, b *browser, srv *server) {
	ctx := tab(t, b)
	do(t, ctx, "load /", chromedp.Navigate(srv.URL+"/"))
	type style struct {
		Header, Body, MainWidth string
	}
	got := eval[style](t, ctx, `({
		header: getComputedStyle(document.querySelector("header")).backgroundColor,
		body: getComputedStyle(document.body).backgroundColor,
		mainWidth: getComputedStyle(document.querySelector("main")).maxWidth,
	})`)
	// style.css: header { background: #1f3a5f }, body { background:
	// #f7f7f2 }, main { max-width: 40rem } (16px each). Without the
	// stylesheet they are transparent, transparent and "none".
	want := style{Header: "rgb(31, 58, 95)", Body: "rgb(247, 247, 242)", MainWidth: "640px"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("computed style of / (-want +got):\n%s", diff)
	}
}

// checkImage: the page's image loads, and the browser decoded the size of
// the part's socket.png.
func checkImage(t *testing.T, b *browser, srv *server, root string) {
	f, err := os.Open(filepath.Join(root, srv.Part.Dir, "site", "images", "socket.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		t.Fatalf("socket.png: %v", err)
	}

	ctx := tab(t, b)
	do(t, ctx, "load /", chromedp.Navigate(srv.URL+"/"))
	type img struct {
		Complete                    bool
		NaturalWidth, NaturalHeight int
	}
	got := eval[img](t, ctx, `(() => {
		const img = document.querySelector('img[src="/images/socket.png"]');
		return {complete: img.complete, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight};
	})()`)
	want := img{Complete: true, NaturalWidth: cfg.Width, NaturalHeight: cfg.Height}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("images/socket.png in / (-want +got):\n%s", diff)
	}
}

// checkVisits: /visits counts in a cookie, so each reload shows one more.
func checkVisits(t *testing.T, b *browser, srv *server) {
	ctx := tab(t, b)
	do(t, ctx, "load /visits", chromedp.Navigate(srv.URL+"/visits"))
	var got []string
	for i := range 3 {
		if i > 0 {
			do(t, ctx, "reload /visits", chromedp.Reload())
		}
		got = append(got, strings.TrimSpace(eval[string](t, ctx, `document.body.innerText`)))
	}
	// The profile is new: no cookie before the first visit.
	want := []string{"visits: 1", "visits: 2", "visits: 3"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("/visits, loaded and reloaded twice (-want +got):\n%s", diff)
	}
}

// storedJS lists the names of the stored files on the upload page.
const storedJS = `[...document.querySelectorAll("ul.files li > a")].map(a => a.textContent)`

// checkUpload: two files go up through the form, both are listed, one
// comes back down with the same bytes, and its delete button removes it.
func checkUpload(t *testing.T, b *browser, srv *server) {
	dir := t.TempDir()
	// A binary file, every byte value many times over and larger than
	// one read of the server's, and a small text file.
	bin := make([]byte, 100_000)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	files := map[string][]byte{
		"data.bin":  bin,
		"notes.txt": []byte("Uploaded by the browser test.\n"),
	}
	var paths []string
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, body, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}

	ctx := tab(t, b)
	do(t, ctx, "load /upload", chromedp.Navigate(srv.URL+"/upload"))
	if got := eval[[]string](t, ctx, storedJS); len(got) != 0 {
		t.Fatalf("stored files before the upload: %q, want none", got)
	}
	do(t, ctx, "choose the files",
		chromedp.SetUploadFiles(chromedp.CSS(`form[action="/upload"] input[type=file]`), paths))
	if err := submit(ctx, chromedp.Click(chromedp.CSS(`form[action="/upload"] button[type=submit]`))); err != nil {
		t.Fatalf("upload: %v", err)
	}
	if diff := cmp.Diff([]string{"data.bin", "notes.txt"}, eval[[]string](t, ctx, storedJS)); diff != "" {
		t.Fatalf("stored files after the upload (-want +got):\n%s", diff)
	}

	// The download: the page fetches the link's href, as the browser does
	// when the link is followed, and hands the bytes over in base64.
	type download struct {
		Status      int
		ContentType string
		Size        int
		SHA256      string
	}
	fetched := eval[struct {
		Status      int
		ContentType string
		Body        []byte // base64 in JSON
	}](t, ctx, `(async () => {
		const a = [...document.querySelectorAll("ul.files li > a")].find(a => a.textContent === "data.bin");
		const resp = await fetch(a.href);
		const bytes = new Uint8Array(await resp.arrayBuffer());
		let s = "";
		for (const b of bytes) s += String.fromCharCode(b);
		return {status: resp.status, contentType: resp.headers.get("Content-Type"), body: btoa(s)};
	})()`)
	got := download{fetched.Status, fetched.ContentType, len(fetched.Body), fmt.Sprintf("%x", sha256.Sum256(fetched.Body))}
	want := download{200, "application/octet-stream", len(bin), fmt.Sprintf("%x", sha256.Sum256(bin))}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("download of data.bin (-want +got):\n%s", diff)
	}

	if err := submit(ctx, chromedp.Click(chromedp.CSS(`ul.files li:has(> a[href="/files/data.bin"]) button`))); err != nil {
		t.Fatalf("delete data.bin: %v", err)
	}
	if diff := cmp.Diff([]string{"notes.txt"}, eval[[]string](t, ctx, storedJS)); diff != "" {
		t.Errorf("stored files after deleting data.bin (-want +got):\n%s", diff)
	}
	if status := eval[int](t, ctx, `fetch("/files/data.bin").then(r => r.status)`); status != 404 {
		t.Errorf("GET /files/data.bin after the delete: %d, want 404", status)
	}
	if _, err := os.Stat(filepath.Join(srv.Files, "data.bin")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("data.bin in the upload folder after the delete: %v, want it gone", err)
	}
}

// checkCGIForm: form.pl escapes what it prints, so a name with markup in
// it comes back as text, and no element of it reaches the page.
func checkCGIForm(t *testing.T, b *browser, srv *server) {
	const name = `Ada <b>Lovelace</b> & Babbage &amp; co`
	ctx := tab(t, b)
	do(t, ctx, "fill in form.pl",
		chromedp.Navigate(srv.URL+"/cgi-bin/form.pl"),
		chromedp.SetValue(chromedp.CSS(`input[name=name]`), name),
		chromedp.SetValue(chromedp.CSS(`input[name=lang]`), "Go & Perl"),
	)
	if err := submit(ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`))); err != nil {
		t.Fatalf("send: %v", err)
	}
	type answer struct {
		Heading  string
		Terms    []string
		Values   []string
		Elements int // elements inside the values: the markup of an unescaped name
	}
	got := eval[answer](t, ctx, `({
		heading: document.querySelector("h1").textContent,
		terms: [...document.querySelectorAll("dt")].map(e => e.textContent),
		values: [...document.querySelectorAll("dd")].map(e => e.textContent),
		elements: document.querySelectorAll("dd *").length,
	})`)
	want := answer{
		Heading: "A form, answered by a Perl script",
		Terms:   []string{"name", "lang"},
		Values:  []string{name, "Go & Perl"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answer of form.pl (-want +got):\n%s", diff)
	}
}

// checkTabs: ten tabs load a slow page at once, and every one gets its
// answer. (Chromium opens at most six connections to one server, so some
// tabs wait for another's connection; all ten must still load.)
func checkTabs(t *testing.T, b *browser, srv *server) {
	const tabs = 10
	type result struct {
		Status int
		Text   string
	}
	got := make([]result, tabs)
	errs := make([]error, tabs)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range tabs {
		wg.Go(func() {
			tabCtx, cancel := chromedp.NewContext(b.Tab) // a new tab of the same browser
			defer cancel()
			ctx, cancelTimeout := context.WithTimeout(tabCtx, checkTimeout)
			defer cancelTimeout()
			// A query of its own for each tab, so that the browser does
			// not wait for one answer to serve all ten from its cache.
			resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(fmt.Sprintf("%s/sleep?d=300ms&tab=%d", srv.URL, i)))
			if err != nil {
				errs[i] = fmt.Errorf("tab %d: %w", i, err)
				return
			}
			text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
			if err != nil {
				errs[i] = fmt.Errorf("tab %d: %w", i, err)
				return
			}
			got[i] = result{int(resp.Status), strings.TrimSpace(text)}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d tabs loaded /sleep?d=300ms in %v", tabs, time.Since(start).Round(time.Millisecond))
	want := make([]result, tabs)
	for i := range want {
		want[i] = result{200, "slept 300ms"}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ten tabs at once (-want +got):\n%s", diff)
	}
}

// checkChatAlone: /chat in two tabs again, on the process model. Each
// socket is served by a child of its own, with a hub of its own: the
// page says so, and what one tab says never reaches the other, which
// learns only of its own words.
func checkChatAlone(t *testing.T, b *browser, srv *server) {
	tabs := joinInTabs(t, b, srv, "ann", "bob")
	for name, ctx := range tabs {
		if err := waitForChat(ctx, "", "This page and your socket came from two processes"); err != nil {
			t.Fatalf("%s's page says which model serves it: %v", name, err)
		}
	}
	// bob says something, and waits for his own words to come back from
	// his hub: by then ann's hub would have had them too, if it were the
	// same one.
	if err := sayInChat(tabs["bob"], "hi ann"); err != nil {
		t.Fatalf("bob says: %v", err)
	}
	if err := waitForChat(tabs["bob"], "bob", "hi ann"); err != nil {
		t.Fatalf("bob sees his own words: %v", err)
	}
	if err := sayInChat(tabs["ann"], "anyone?"); err != nil {
		t.Fatalf("ann says: %v", err)
	}
	if err := waitForChat(tabs["ann"], "ann", "anyone?"); err != nil {
		t.Fatalf("ann sees her own words: %v", err)
	}
	got := eval[[]string](t, tabs["ann"], `[...document.querySelectorAll("#log li")].map(li => li.textContent).filter(s => !s.startsWith("This page"))`)
	want := []string{"You are ann. Here: ann.", "ann joined.", "annanyone?"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ann's chat, under the process model (-want +got):\n%s", diff)
	}
}

// joinInTabs opens /chat in a new tab of b for each name, one after the
// other, and joins the chat there under that name. It returns each tab's
// context, which ends with the test or after checkTimeout.
func joinInTabs(t *testing.T, b *browser, srv *server, names ...string) map[string]context.Context {
	tabs := map[string]context.Context{}
	for _, name := range names {
		tabCtx, cancel := chromedp.NewContext(b.Tab) // a new tab of the same browser
		t.Cleanup(cancel)
		ctx, cancelTimeout := context.WithTimeout(tabCtx, checkTimeout)
		t.Cleanup(cancelTimeout)
		do(t, ctx, "load /chat", chromedp.Navigate(srv.URL+"/chat"))
		if err := joinChat(ctx, name); err != nil {
			t.Fatalf("%s joins: %v", name, err)
		}
		tabs[name] = ctx
	}
	return tabs
}

// checkChat: /chat in two tabs of one browser. Each joins the chat over a
// WebSocket; what one tab says appears in the other, and as text: markup
// in a message stays text.
func checkChat(t *testing.T, b *browser, srv *server) {
	tabs := joinInTabs(t, b, srv, "ann", "bob")
	// The part runs in the goroutine model: one process serves the page
	// and the socket, and the page says so.
	if err := waitForChat(tabs["ann"], "", "One process served this page and serves your socket"); err != nil {
		t.Fatalf("ann's page says which model serves it: %v", err)
	}
	if err := waitForChat(tabs["ann"], "", "bob joined."); err != nil {
		t.Fatalf("ann sees bob join: %v", err)
	}
	const text = "hello <b>bob</b>"
	if err := sayInChat(tabs["ann"], text); err != nil {
		t.Fatalf("ann says: %v", err)
	}
	if err := waitForChat(tabs["bob"], "ann", text); err != nil {
		t.Fatalf("bob sees what ann said: %v", err)
	}
	if n := eval[int](t, tabs["bob"], `document.querySelectorAll("#log b").length`); n != 0 {
		t.Errorf("the message became markup in bob's tab: %d <b> elements", n)
	}
}
