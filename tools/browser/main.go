// Command browser is the course's browser test and its screenshots: it
// drives the site of every part in headless Chromium, as a reader's
// browser would, and takes the pictures the notes show.
//
// The test is this package's go test (part of the repository's
// go test example.com/webserver/...): it builds the parts, starts each on
// a free loopback port, and checks in a real browser that part 1 echoes
// the request as plain text; from part 2 on, that the stylesheet applies
// and the image loads, and that the /visits cookie counts; from part 3
// on, that the upload form stores, lists, serves and deletes files, and
// that the CGI form's answer escapes what it shows; in part 4, that ten
// tabs load at once. It skips when no Chromium is installed. Run from the
// repository root,
//
//	go run ./tools/browser -screenshots
//
// rewrites the screenshots of the notes in docs/images (-out writes them
// elsewhere, to compare).
//
// The browser is driven with chromedp (github.com/chromedp/chromedp)
// rather than go-rod or Playwright for Go. chromedp is pure Go (besides the
// standard library it needs only its generated protocol types and a JSON
// package) and speaks the Chrome DevTools Protocol itself, over a pipe, to
// the chromium program that Debian installs: there is no driver program
// to download or to keep in step with the browser, and no Node.js.
// Playwright for Go runs a Node.js driver and downloads browsers of its
// own; go-rod fetches a pinned Chromium build unless told to use the
// system's. chromedp is also well kept, with regular releases that follow
// Chromium's protocol, and has long been the usual way to drive Chromium
// from Go.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"

	"example.com/webserver/tools/internal/course"
)

func main() {
	screenshots := flag.Bool("screenshots", false, "start the parts and write the screenshots of the notes")
	out := flag.String("out", filepath.Join("docs", "images"), "with -screenshots: the `folder` to write them to, from the repository root")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("browser: ")
	if !*screenshots {
		fmt.Fprintln(os.Stderr, "usage: go run ./tools/browser -screenshots (the browser test is go test example.com/webserver/tools/browser)")
		flag.PrintDefaults()
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	wd, err := os.Getwd()
	if err != nil {
		log.Fatal(err)
	}
	root, err := course.FindRoot(wd)
	if err != nil {
		log.Fatal(err)
	}
	exe, err := findChromium()
	if err != nil {
		log.Fatal(err)
	}
	dir := *out
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	if err := takeScreenshots(ctx, root, exe, dir); err != nil {
		log.Fatal(err)
	}
}
