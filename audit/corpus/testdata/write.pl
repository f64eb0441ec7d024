# Perl's serialisers as a script writes them by default: dst/perl-NAME/PAYLOAD.
use strict;
use warnings;
no warnings "once";
use Encode qw(decode);
my ($src, $dst) = @ARGV;
my %w;
if (eval { require Data::Dumper; 1 }) {
    $Data::Dumper::Sortkeys = 1;
    # A file read without a layer: bytes, as most scripts hold them.
    $w{"data-dumper"} = sub { Data::Dumper::Dumper({ value => $_[0] }) };
    $w{"data-dumper-utf8"} = sub { Data::Dumper::Dumper({ value => decode("UTF-8", $_[0]) }) };
} else { print "skip perl-data-dumper: no Data::Dumper\n" }
if (eval { require JSON::PP; 1 }) {
    $w{"json-pp"} = sub { JSON::PP::encode_json({ value => decode("UTF-8", $_[0]) }) };
} else { print "skip perl-json-pp: no JSON::PP\n" }
if (eval { require URI::Escape; 1 }) {
    $w{"uri-escape"} = sub { URI::Escape::uri_escape($_[0]) };
} else { print "skip perl-uri-escape: no URI::Escape (Debian: liburi-perl)\n" }
for my $n (keys %w) { mkdir "$dst/perl-$n" }
opendir(my $d, $src) or die "$src: $!";
for my $p (sort grep { !/^\./ } readdir $d) {
    open(my $in, "<:raw", "$src/$p") or die "$p: $!";
    local $/; my $b = <$in>; close $in;
    for my $n (keys %w) {
        my $out = $w{$n}->($b);
        $out = Encode::encode("UTF-8", $out) if utf8::is_utf8($out);
        open(my $o, ">:raw", "$dst/perl-$n/$p") or die "$n: $!";
        print $o $out; close $o;
    }
}
