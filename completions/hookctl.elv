
use builtin;
use str;

set edit:completion:arg-completer[hookctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'hookctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'hookctl'= {
            cand --color 'When to use colour'
            cand --config 'Read settings from this file instead of ./hookctl.toml or the user config folder'
            cand --fixtures 'Add or override providers and events from a folder laid out like fixtures/'
            cand --json 'Print JSON Lines on stdout, one object per result'
            cand -q 'Print less: only failures and the summary'
            cand --quiet 'Print less: only failures and the summary'
            cand -v 'Print more: headers and bodies'
            cand --verbose 'Print more: headers and bodies'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand send 'Send provider events to a URL, signed (or encrypted) as the provider does'
            cand listen 'Receive webhooks: recognise the provider, verify, show and save each delivery'
            cand replay 'Send captured deliveries again, byte for byte, in arrival order'
            cand verify 'Verify captured deliveries offline with the configured secrets'
            cand probe 'Audit a running receiver: send it genuine, forged, stale, replayed and tampered deliveries and grade each answer'
            cand demo 'The whole loop with nothing set up: send every event, listen, verify, capture, replay'
            cand fixtures 'List providers and events, or show an event''s rendered body'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hookctl;send'= {
            cand -t 'Where to send: localhost, localhost:3000, :3000, 127.0.0.1:3000/hooks or a full URL [default: http://localhost:8080/]'
            cand --to 'Where to send: localhost, localhost:3000, :3000, 127.0.0.1:3000/hooks or a full URL [default: http://localhost:8080/]'
            cand -p 'The provider of the events (when a name alone is ambiguous), or the provider for --all'
            cand --provider 'The provider of the events (when a name alone is ambiguous), or the provider for --all'
            cand --scenario 'Send a scenario''s steps as one run with shared ids: `name` or `provider:name` (repeatable; `hookctl fixtures PROVIDER` lists them)'
            cand -s 'The signing secret (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file, the built-in test secret)'
            cand --secret 'The signing secret (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file, the built-in test secret)'
            cand --set 'Change a field of the body: path=value, the value parsed as JSON where it parses (repeatable)'
            cand --body 'Send this file''s bytes (or stdin''s, with -) as the body, signed verbatim'
            cand -H 'Add a header, replacing one of the same name (repeatable)'
            cand --header 'Add a header, replacing one of the same name (repeatable)'
            cand --webhook-id 'Use this delivery id instead of a fresh one'
            cand --timestamp 'Sign and render with this time (Unix seconds or RFC 3339) instead of now'
            cand -n 'How many times to send each event, each with fresh ids'
            cand --count 'How many times to send each event, each with fresh ids'
            cand -c 'How many requests may be in flight at once'
            cand --concurrency 'How many requests may be in flight at once'
            cand --timeout 'Give up on a request after this long (e.g. 500ms, 10s, 1m) [default: 30s; with --retry, the provider''s timeout]'
            cand --expect-status 'Statuses that count as delivered, e.g. 200, 2xx, 200-299, 200,202 [default: the provider''s own rule]'
            cand --time-scale 'With --retry: divide every wait by this (3600: an hour of the schedule in a second)'
            cand --max-attempts 'With --retry: at most this many attempts per delivery'
            cand --schedule 'With --retry: the wait before each attempt instead of the provider''s, the first included (0,5s,1m)'
            cand --duplicate-rate 'Send this fraction of the deliveries twice, the second copy byte for byte, as providers do (0 to 1)'
            cand --seed 'Make --shuffle and --duplicate-rate reproducible [default: a random seed, reported]'
            cand --color 'When to use colour'
            cand --config 'Read settings from this file instead of ./hookctl.toml or the user config folder'
            cand --fixtures 'Add or override providers and events from a folder laid out like fixtures/'
            cand --all 'Send every event of --provider, or of every provider'
            cand -k 'Accept invalid TLS certificates (self-signed HTTPS)'
            cand --insecure 'Accept invalid TLS certificates (self-signed HTTPS)'
            cand --retry 'Retry a failed delivery on the provider''s schedule (`hookctl fixtures PROVIDER` shows it), re-signed where the scheme signs a timestamp'
            cand --shuffle 'Send the run''s deliveries in a random order, as providers guarantee none'
            cand --dry-run 'Print each request exactly as it would go, and send nothing'
            cand --json 'Print JSON Lines on stdout, one object per result'
            cand -q 'Print less: only failures and the summary'
            cand --quiet 'Print less: only failures and the summary'
            cand -v 'Print more: headers and bodies'
            cand --verbose 'Print more: headers and bodies'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'hookctl;listen'= {
            cand -P 'The port to listen on; 0 picks a free one (the first line says which)'
            cand --port 'The port to listen on; 0 picks a free one (the first line says which)'
            cand --host 'The address to listen on; anything but loopback is reachable from other machines'
            cand --path 'Accept deliveries on this path only (default: every path)'
            cand -p 'Treat every delivery as this provider''s (default: recognise each from its headers and body)'
            cand --provider 'Treat every delivery as this provider''s (default: recognise each from its headers and body)'
            cand -s 'The secret to verify with (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file, the built-in test secret)'
            cand --secret 'The secret to verify with (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file, the built-in test secret)'
            cand --public-url 'The URL senders signed against, for MobilePay (default: rebuilt from the Host header and path)'
            cand --save 'Save every delivery, valid or not: a capture file each in this folder, or a line each in this journal (a path ending in .jsonl)'
            cand --status 'The status to answer with'
            cand --response-body 'The body to answer with'
            cand --response-header 'A header to answer with (repeatable)'
            cand --delay 'Wait this long before answering (e.g. 200ms)'
            cand --authorization 'How to answer CryptoMate card authorisations (which must be answered within 1,200 ms)'
            cand --forward-to 'Pass each delivery on to your app, byte for byte, and give the app''s answer back to the sender'
            cand --forward-timeout 'How long to wait for the app behind --forward-to'
            cand -n 'Exit after this many deliveries'
            cand --count 'Exit after this many deliveries'
            cand --timeout 'With --count or --expect: exit with an error if they have not all arrived within this time'
            cand --expect 'Fail unless this event arrives: `event` or `provider:event` (repeatable); exits once all have'
            cand --max-body 'The largest body accepted, e.g. 16MiB or 50MB; larger ones are answered 413'
            cand --read-timeout 'How long a client may take to send its headers, and then its body'
            cand --tolerance 'How far a signed timestamp may be from now (Stripe, Standard Webhooks)'
            cand --color 'When to use colour'
            cand --config 'Read settings from this file instead of ./hookctl.toml or the user config folder'
            cand --fixtures 'Add or override providers and events from a folder laid out like fixtures/'
            cand --sync 'With --save: answer a delivery only once its capture is on disk (fdatasync)'
            cand --reject-invalid 'Answer deliveries that fail verification with 401, or the provider''s own failure status (Treezor: 500)'
            cand --redact 'Mask card numbers, IBANs and e-mail addresses in what is printed'
            cand --redact-saved 'Mask them in the captures too (their bodies then no longer verify)'
            cand --json 'Print JSON Lines on stdout, one object per result'
            cand -q 'Print less: only failures and the summary'
            cand --quiet 'Print less: only failures and the summary'
            cand -v 'Print more: headers and bodies'
            cand --verbose 'Print more: headers and bodies'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'hookctl;replay'= {
            cand -t 'Where to send; a path here replaces the captured one [default: http://localhost:8080/, with the captured path]'
            cand --to 'Where to send; a path here replaces the captured one [default: http://localhost:8080/, with the captured path]'
            cand --filter 'Replay only these: provider, event or provider:event, with * and ? globs (repeatable)'
            cand -s 'The secret for --resign and for restoring CryptoMate''s key (else the usual sources)'
            cand --secret 'The secret for --resign and for restoring CryptoMate''s key (else the usual sources)'
            cand -c 'How many requests may be in flight at once; 1 keeps strict order'
            cand --concurrency 'How many requests may be in flight at once; 1 keeps strict order'
            cand --rate 'At most this many requests per second, e.g. 50 or 50/s or 600/m'
            cand --expect-status 'Statuses that count as delivered [default: the provider''s own rule]'
            cand --timeout 'Give up on a request after this long'
            cand --color 'When to use colour'
            cand --config 'Read settings from this file instead of ./hookctl.toml or the user config folder'
            cand --fixtures 'Add or override providers and events from a folder laid out like fixtures/'
            cand --resign 'Sign Stripe and Standard Webhooks deliveries again with a fresh timestamp, using the configured secrets'
            cand --dry-run 'Print each request exactly as it would go, and send nothing'
            cand -k 'Accept invalid TLS certificates (self-signed HTTPS)'
            cand --insecure 'Accept invalid TLS certificates (self-signed HTTPS)'
            cand --json 'Print JSON Lines on stdout, one object per result'
            cand -q 'Print less: only failures and the summary'
            cand --quiet 'Print less: only failures and the summary'
            cand -v 'Print more: headers and bodies'
            cand --verbose 'Print more: headers and bodies'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'hookctl;verify'= {
            cand -s 'The secret to verify with (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file, the built-in test secret)'
            cand --secret 'The secret to verify with (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file, the built-in test secret)'
            cand -p 'Treat every capture as this provider''s'
            cand --provider 'Treat every capture as this provider''s'
            cand --tolerance 'How far a signed timestamp may be from the time the delivery was received'
            cand --color 'When to use colour'
            cand --config 'Read settings from this file instead of ./hookctl.toml or the user config folder'
            cand --fixtures 'Add or override providers and events from a folder laid out like fixtures/'
            cand --json 'Print JSON Lines on stdout, one object per result'
            cand -q 'Print less: only failures and the summary'
            cand --quiet 'Print less: only failures and the summary'
            cand -v 'Print more: headers and bodies'
            cand --verbose 'Print more: headers and bodies'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'hookctl;probe'= {
            cand -t 'The receiver: localhost:3000/webhooks, :3000/hooks or a full URL (loopback only, unless --allow-remote)'
            cand --to 'The receiver: localhost:3000/webhooks, :3000/hooks or a full URL (loopback only, unless --allow-remote)'
            cand -p 'The provider whose deliveries to send (with no EVENT, its first event)'
            cand --provider 'The provider whose deliveries to send (with no EVENT, its first event)'
            cand -s 'The receiver''s secret (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file; never the built-in one unless named here)'
            cand --secret 'The receiver''s secret (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file; never the built-in one unless named here)'
            cand --only 'Run only these cases (repeatable; `hookctl probe --list` names them)'
            cand --skip 'Leave out these cases (repeatable)'
            cand --oracle 'A shell command that prints how many times the receiver processed $HOOKCTL_DELIVERY_ID'
            cand --junit 'Write the results as JUnit XML to this file, for CI dashboards'
            cand --timeout 'How long to wait for each answer'
            cand --color 'When to use colour'
            cand --config 'Read settings from this file instead of ./hookctl.toml or the user config folder'
            cand --fixtures 'Add or override providers and events from a folder laid out like fixtures/'
            cand --list 'List the cases and exit'
            cand --timing 'Also compare answer times of near and far signature misses (hundreds of requests)'
            cand --strict 'Count WARN as FAIL'
            cand --allow-remote 'Allow a target that is not on this machine (probes are attacks: only your own receivers)'
            cand --json 'Print JSON Lines on stdout, one object per result'
            cand -q 'Print less: only failures and the summary'
            cand --quiet 'Print less: only failures and the summary'
            cand -v 'Print more: headers and bodies'
            cand --verbose 'Print more: headers and bodies'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'hookctl;demo'= {
            cand --save 'Keep the captures in this folder (or journal, a path ending in .jsonl) instead of a temporary folder'
            cand --color 'When to use colour'
            cand --config 'Read settings from this file instead of ./hookctl.toml or the user config folder'
            cand --fixtures 'Add or override providers and events from a folder laid out like fixtures/'
            cand --json 'Print JSON Lines on stdout, one object per result'
            cand -q 'Print less: only failures and the summary'
            cand --quiet 'Print less: only failures and the summary'
            cand -v 'Print more: headers and bodies'
            cand --verbose 'Print more: headers and bodies'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'hookctl;fixtures'= {
            cand --color 'When to use colour'
            cand --config 'Read settings from this file instead of ./hookctl.toml or the user config folder'
            cand --fixtures 'Add or override providers and events from a folder laid out like fixtures/'
            cand --json 'Print JSON Lines on stdout, one object per result'
            cand -q 'Print less: only failures and the summary'
            cand --quiet 'Print less: only failures and the summary'
            cand -v 'Print more: headers and bodies'
            cand --verbose 'Print more: headers and bodies'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand show 'Print an event''s body, or a scenario''s steps, rendered with fresh ids and timestamps (before signing or encryption)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hookctl;fixtures;show'= {
            cand --scenario 'Show a scenario''s steps instead: `name` or `provider:name`'
            cand -p 'The provider, when the name alone is ambiguous'
            cand --provider 'The provider, when the name alone is ambiguous'
            cand --set 'Change a field: path=value (repeatable)'
            cand --color 'When to use colour'
            cand --config 'Read settings from this file instead of ./hookctl.toml or the user config folder'
            cand --fixtures 'Add or override providers and events from a folder laid out like fixtures/'
            cand --json 'Print JSON Lines on stdout, one object per result'
            cand -q 'Print less: only failures and the summary'
            cand --quiet 'Print less: only failures and the summary'
            cand -v 'Print more: headers and bodies'
            cand --verbose 'Print more: headers and bodies'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'hookctl;fixtures;help'= {
            cand show 'Print an event''s body, or a scenario''s steps, rendered with fresh ids and timestamps (before signing or encryption)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hookctl;fixtures;help;show'= {
        }
        &'hookctl;fixtures;help;help'= {
        }
        &'hookctl;completions'= {
            cand --color 'When to use colour'
            cand --config 'Read settings from this file instead of ./hookctl.toml or the user config folder'
            cand --fixtures 'Add or override providers and events from a folder laid out like fixtures/'
            cand --json 'Print JSON Lines on stdout, one object per result'
            cand -q 'Print less: only failures and the summary'
            cand --quiet 'Print less: only failures and the summary'
            cand -v 'Print more: headers and bodies'
            cand --verbose 'Print more: headers and bodies'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'hookctl;help'= {
            cand send 'Send provider events to a URL, signed (or encrypted) as the provider does'
            cand listen 'Receive webhooks: recognise the provider, verify, show and save each delivery'
            cand replay 'Send captured deliveries again, byte for byte, in arrival order'
            cand verify 'Verify captured deliveries offline with the configured secrets'
            cand probe 'Audit a running receiver: send it genuine, forged, stale, replayed and tampered deliveries and grade each answer'
            cand demo 'The whole loop with nothing set up: send every event, listen, verify, capture, replay'
            cand fixtures 'List providers and events, or show an event''s rendered body'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hookctl;help;send'= {
        }
        &'hookctl;help;listen'= {
        }
        &'hookctl;help;replay'= {
        }
        &'hookctl;help;verify'= {
        }
        &'hookctl;help;probe'= {
        }
        &'hookctl;help;demo'= {
        }
        &'hookctl;help;fixtures'= {
            cand show 'Print an event''s body, or a scenario''s steps, rendered with fresh ids and timestamps (before signing or encryption)'
        }
        &'hookctl;help;fixtures;show'= {
        }
        &'hookctl;help;completions'= {
        }
        &'hookctl;help;help'= {
        }
    ]
    $completions[$command]
}
