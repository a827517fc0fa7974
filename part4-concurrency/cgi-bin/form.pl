#!/usr/bin/perl
# A form and its answer. GET shows the form; the browser POSTs it back
# as application/x-www-form-urlencoded, and the body arrives on standard
# input: exactly CONTENT_LENGTH bytes (RFC 3875 section 4.2), no more.
use strict;
use warnings;

sub escape_html {
    my ($s) = @_;
    $s =~ s/&/&amp;/g; $s =~ s/</&lt;/g; $s =~ s/>/&gt;/g; $s =~ s/"/&quot;/g;
    return $s;
}

sub decode {    # "a+b%21" is "a b!"
    my ($s) = @_;
    $s =~ tr/+/ /;
    $s =~ s/%([0-9A-Fa-f]{2})/chr(hex($1))/ge;
    return $s;
}

print "Content-Type: text/html; charset=utf-8\n\n";
print "<!doctype html><title>CGI form</title><link rel=\"stylesheet\" href=\"/style.css\">\n";
print "<main><h1>A form, answered by a Perl script</h1>\n";
if (($ENV{REQUEST_METHOD} // '') eq 'POST') {
    my $body = '';
    read(STDIN, $body, $ENV{CONTENT_LENGTH} // 0);
    print "<p>The script read ", length($body), " bytes of body:</p>\n<dl>\n";
    for my $pair (split /&/, $body) {
        my ($name, $value) = map { escape_html(decode($_)) } split(/=/, $pair, 2);
        print "<dt>$name</dt><dd>", ($value // ''), "</dd>\n";
    }
    print "</dl>\n<p><a href=\"$ENV{SCRIPT_NAME}\">Again</a></p>\n";
} else {
    print "<form method=\"post\" action=\"$ENV{SCRIPT_NAME}\">\n";
    print "<p><label>Name <input name=\"name\"></label></p>\n";
    print "<p><label>Language <input name=\"lang\" value=\"Go\"></label></p>\n";
    print "<p><button type=\"submit\">Send</button></p>\n</form>\n";
}
print "</main>\n";
