// The screenshots of the notes: each one a page of a part in headless
// Chromium, at a fixed window size, written to docs/images.

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"example.com/webserver/tools/internal/course"
)

// notesAddr is the address the notes use, the parts' default. The
// screenshots show it (part 1's echoed Host line), so the browser is told
// to reach the part that runs on a free port when a page asks for this
// address; the picture is then the one a reader gets from the notes'
// commands, whatever port the run had.
const notesAddr = "127.0.0.1:8888"

// A shot is one image of the notes.
type shot struct {
	File          string // its name in docs/images
	Part          int    // the part that serves the page
	Width, Height int    // the window, in CSS pixels (the image's size)
	// Show brings the tab to what the image shows; base is
	// "http://127.0.0.1:8888", tmp a folder for the files it needs.
	Show func(ctx context.Context, base, tmp string) error
}

// shots are the images the notes show, with the file names they use.
var shots = []shot{
	{"part1-browser.png", 1, 900, 330, func(ctx context.Context, base, _ string) error {
		// part1-echo/README.md: the browser's own request, as plain text.
		return chromedp.Do(ctx, chromedp.Navigate(base+"/hello"))
	}},
	{"part2-site.png", 2, 1000, 900, func(ctx context.Context, base, _ string) error {
		return chromedp.Do(ctx, chromedp.Navigate(base+"/"))
	}},
	{"part2-about.png", 2, 1000, 760, func(ctx context.Context, base, _ string) error {
		return chromedp.Do(ctx, chromedp.Navigate(base+"/about.html"))
	}},
	{"part3-upload.png", 3, 900, 700, func(ctx context.Context, base, tmp string) error {
		// part3-gateway/README.md: the form after two uploads.
		files := map[string]string{
			"data.csv":  "name,language\nAda,Go\n",
			"notes.txt": "Uploaded through the form of part 3.\n",
		}
		var paths []string
		for name, body := range files {
			path := filepath.Join(tmp, name)
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				return err
			}
			paths = append(paths, path)
		}
		if err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/upload"),
			chromedp.SetUploadFiles(chromedp.CSS(`form[action="/upload"] input[type=file]`), paths),
		); err != nil {
			return fmt.Errorf("choose files in /upload: %w", err)
		}
		// Submit, not Click: no mouse pointer is left over a button of
		// the new page to show it hovered.
		return submit(ctx, chromedp.Submit(chromedp.CSS(`form[action="/upload"]`)))
	}},
	{"part3-cgi-form.png", 3, 900, 560, func(ctx context.Context, base, _ string) error {
		// part3-gateway/README.md: form.pl's answer, after "Send".
		if err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/cgi-bin/form.pl"),
			chromedp.SetValue(chromedp.CSS(`input[name=name]`), "Ada <Lovelace>"),
			chromedp.SetValue(chromedp.CSS(`input[name=lang]`), "Go & Perl"),
		); err != nil {
			return fmt.Errorf("fill in form.pl: %w", err)
		}
		return submit(ctx, chromedp.Submit(chromedp.CSS(`form`)))
	}},
	{"part4-chat.png", 4, 900, 680, func(ctx context.Context, base, _ string) error {
		// part4-concurrency/README.md: /chat in ann's tab, after a few
		// words with bob, who chats from a second tab.
		// bob's tab stays open until the browser closes: closed now, it
		// would leave the chat before the picture is taken.
		bob, _ := chromedp.NewContext(ctx)
		for _, step := range []struct {
			tab  context.Context
			what string
			do   func(context.Context) error
		}{
			{ctx, "ann opens /chat", func(ctx context.Context) error { return chromedp.Do(ctx, chromedp.Navigate(base+"/chat")) }},
			{ctx, "ann joins", func(ctx context.Context) error { return joinChat(ctx, "ann") }},
			{bob, "bob opens /chat", func(ctx context.Context) error { return chromedp.Do(ctx, chromedp.Navigate(base+"/chat")) }},
			{bob, "bob joins", func(ctx context.Context) error { return joinChat(ctx, "bob") }},
			{ctx, "ann sees bob", func(ctx context.Context) error { return waitForChat(ctx, "", "bob joined.") }},
			{ctx, "ann says hello", func(ctx context.Context) error {
				return sayInChat(ctx, "Hello bob! This goes through a hijacked connection.")
			}},
			{bob, "bob sees it", func(ctx context.Context) error { return waitForChat(ctx, "ann", "hijacked connection.") }},
			{bob, "bob answers", func(ctx context.Context) error { return sayInChat(ctx, "Hi ann. Same process, same hub.") }},
			{ctx, "ann sees the answer", func(ctx context.Context) error { return waitForChat(ctx, "bob", "same hub.") }},
		} {
			if err := step.do(step.tab); err != nil {
				return fmt.Errorf("%s: %w", step.what, err)
			}
		}
		return nil
	}},
}

// takeScreenshots starts the parts the shots need and writes every shot
// to outDir, each from a browser of its own (a new profile, its window
// the size of the image).
func takeScreenshots(ctx context.Context, root, exe, outDir string) error {
	tmp, err := os.MkdirTemp("", "browser-screenshots-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	all, err := course.Parts(root)
	if err != nil {
		return err
	}
	need := map[int]bool{}
	for _, s := range shots {
		need[s.Part] = true
	}
	var parts []course.Part
	for _, p := range all {
		if need[p.N] {
			parts = append(parts, p)
		}
	}
	bin := filepath.Join(tmp, "bin")
	if err := course.BuildParts(ctx, root, bin, parts); err != nil {
		return err
	}
	servers := map[int]*server{}
	for _, p := range parts {
		files := filepath.Join(tmp, p.Dir, "files")
		if err := os.MkdirAll(files, 0o755); err != nil {
			return err
		}
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		s, err := startServer(sctx, root, bin, p, files)
		cancel()
		if err != nil {
			return err
		}
		defer s.Stop()
		servers[p.N] = s
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	for i, s := range shots {
		srv := servers[s.Part]
		if srv == nil {
			return fmt.Errorf("%s: go.work lists no part %d", s.File, s.Part)
		}
		dir := filepath.Join(tmp, fmt.Sprintf("shot%d", i))
		if err := os.MkdirAll(filepath.Join(dir, "profile"), 0o755); err != nil {
			return err
		}
		png, err := takeShot(ctx, exe, dir, srv, s)
		if err != nil {
			return fmt.Errorf("%s: %w", s.File, err)
		}
		path := filepath.Join(outDir, s.File)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			return err
		}
		fmt.Printf("wrote %s (%dx%d, %s)\n", path, s.Width, s.Height, srv.Part.Dir)
	}
	return nil
}

// takeShot runs one shot in a new browser and returns the PNG.
func takeShot(ctx context.Context, exe, dir string, srv *server, s shot) ([]byte, error) {
	b, err := startBrowser(exe, filepath.Join(dir, "profile"),
		chromedp.WindowSize(s.Width, s.Height),
		// Incognito keeps no history, so no link shows as visited: the
		// browser marks a visit some time after the page has loaded, and
		// a link to a page the shot passed through (the upload form, the
		// CGI form) would be blue in one run and purple in the next.
		chromedp.Flag("incognito", true),
		chromedp.Flag("host-resolver-rules", "MAP "+notesAddr+" "+strings.TrimPrefix(srv.URL, "http://")),
	)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	tab, cancel := context.WithTimeout(b.Tab, 30*time.Second)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)() // Ctrl-C
	// The window's size includes room for a tab strip and toolbar that
	// headless Chromium does not draw; the viewport is set exactly.
	if err := chromedp.Do(tab, chromedp.EmulateViewport(int64(s.Width), int64(s.Height))); err != nil {
		return nil, fmt.Errorf("set the viewport: %w", err)
	}
	if err := s.Show(tab, "http://"+notesAddr, dir); err != nil {
		return nil, fmt.Errorf("%w\n%s", err, srv.Output())
	}
	png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	return png, nil
}
