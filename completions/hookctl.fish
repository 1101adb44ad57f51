# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_hookctl_global_optspecs
    string join \n color= json q/quiet v/verbose config= fixtures= h/help V/version
end

function __fish_hookctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_hookctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_hookctl_using_subcommand
    set -l cmd (__fish_hookctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c hookctl -n "__fish_hookctl_needs_command" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_needs_command" -l config -d 'Read settings from this file instead of ./hookctl.toml or the user config folder' -r -F
complete -c hookctl -n "__fish_hookctl_needs_command" -l fixtures -d 'Add or override providers and events from a folder laid out like fixtures/' -r -F
complete -c hookctl -n "__fish_hookctl_needs_command" -l json -d 'Print JSON Lines on stdout, one object per result'
complete -c hookctl -n "__fish_hookctl_needs_command" -s q -l quiet -d 'Print less: only failures and the summary'
complete -c hookctl -n "__fish_hookctl_needs_command" -s v -l verbose -d 'Print more: headers and bodies'
complete -c hookctl -n "__fish_hookctl_needs_command" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_needs_command" -s V -l version -d 'Print version'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "send" -d 'Send provider events to a URL, signed (or encrypted) as the provider does'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "listen" -d 'Receive webhooks: recognise the provider, verify, show and save each delivery'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "replay" -d 'Send captured deliveries again, byte for byte, in arrival order'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "verify" -d 'Verify captured deliveries offline with the configured secrets'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "probe" -d 'Audit a running receiver: send it genuine, forged, stale, replayed and tampered deliveries and grade each answer'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "demo" -d 'The whole loop with nothing set up: send every event, listen, verify, capture, replay'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "fixtures" -d 'List providers and events, or show an event\'s rendered body'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s t -l to -d 'Where to send: localhost, localhost:3000, :3000, 127.0.0.1:3000/hooks or a full URL [default: http://localhost:8080/]' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s p -l provider -d 'The provider of the events (when a name alone is ambiguous), or the provider for --all' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l scenario -d 'Send a scenario\'s steps as one run with shared ids: `name` or `provider:name` (repeatable; `hookctl fixtures PROVIDER` lists them)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s s -l secret -d 'The signing secret (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file, the built-in test secret)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l set -d 'Change a field of the body: path=value, the value parsed as JSON where it parses (repeatable)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l body -d 'Send this file\'s bytes (or stdin\'s, with -) as the body, signed verbatim' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s H -l header -d 'Add a header, replacing one of the same name (repeatable)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l webhook-id -d 'Use this delivery id instead of a fresh one' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l timestamp -d 'Sign and render with this time (Unix seconds or RFC 3339) instead of now' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s n -l count -d 'How many times to send each event, each with fresh ids' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s c -l concurrency -d 'How many requests may be in flight at once' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l timeout -d 'Give up on a request after this long (e.g. 500ms, 10s, 1m) [default: 30s; with --retry, the provider\'s timeout]' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l expect-status -d 'Statuses that count as delivered, e.g. 200, 2xx, 200-299, 200,202 [default: the provider\'s own rule]' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l time-scale -d 'With --retry: divide every wait by this (3600: an hour of the schedule in a second)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l max-attempts -d 'With --retry: at most this many attempts per delivery' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l schedule -d 'With --retry: the wait before each attempt instead of the provider\'s, the first included (0,5s,1m)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l duplicate-rate -d 'Send this fraction of the deliveries twice, the second copy byte for byte, as providers do (0 to 1)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l seed -d 'Make --shuffle and --duplicate-rate reproducible [default: a random seed, reported]' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l config -d 'Read settings from this file instead of ./hookctl.toml or the user config folder' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l fixtures -d 'Add or override providers and events from a folder laid out like fixtures/' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l all -d 'Send every event of --provider, or of every provider'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s k -l insecure -d 'Accept invalid TLS certificates (self-signed HTTPS)'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l retry -d 'Retry a failed delivery on the provider\'s schedule (`hookctl fixtures PROVIDER` shows it), re-signed where the scheme signs a timestamp'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l shuffle -d 'Send the run\'s deliveries in a random order, as providers guarantee none'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l dry-run -d 'Print each request exactly as it would go, and send nothing'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l json -d 'Print JSON Lines on stdout, one object per result'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s q -l quiet -d 'Print less: only failures and the summary'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s v -l verbose -d 'Print more: headers and bodies'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s V -l version -d 'Print version'
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -s P -l port -d 'The port to listen on; 0 picks a free one (the first line says which)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l host -d 'The address to listen on; anything but loopback is reachable from other machines' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l path -d 'Accept deliveries on this path only (default: every path)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -s p -l provider -d 'Treat every delivery as this provider\'s (default: recognise each from its headers and body)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -s s -l secret -d 'The secret to verify with (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file, the built-in test secret)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l public-url -d 'The URL senders signed against, for MobilePay (default: rebuilt from the Host header and path)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l save -d 'Save every delivery, valid or not: a capture file each in this folder, or a line each in this journal (a path ending in .jsonl)' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l status -d 'The status to answer with' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l response-body -d 'The body to answer with' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l response-header -d 'A header to answer with (repeatable)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l delay -d 'Wait this long before answering (e.g. 200ms)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l authorization -d 'How to answer CryptoMate card authorisations (which must be answered within 1,200 ms)' -r -f -a "approve\t'Answer with response code "00"'
decline\t'Answer with response code "05"'"
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l forward-to -d 'Pass each delivery on to your app, byte for byte, and give the app\'s answer back to the sender' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l forward-timeout -d 'How long to wait for the app behind --forward-to' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -s n -l count -d 'Exit after this many deliveries' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l timeout -d 'With --count or --expect: exit with an error if they have not all arrived within this time' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l expect -d 'Fail unless this event arrives: `event` or `provider:event` (repeatable); exits once all have' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l max-body -d 'The largest body accepted, e.g. 16MiB or 50MB; larger ones are answered 413' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l read-timeout -d 'How long a client may take to send its headers, and then its body' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l tolerance -d 'How far a signed timestamp may be from now (Stripe, Standard Webhooks)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l config -d 'Read settings from this file instead of ./hookctl.toml or the user config folder' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l fixtures -d 'Add or override providers and events from a folder laid out like fixtures/' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l sync -d 'With --save: answer a delivery only once its capture is on disk (fdatasync)'
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l reject-invalid -d 'Answer deliveries that fail verification with 401, or the provider\'s own failure status (Treezor: 500)'
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l redact -d 'Mask card numbers, IBANs and e-mail addresses in what is printed'
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l redact-saved -d 'Mask them in the captures too (their bodies then no longer verify)'
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -l json -d 'Print JSON Lines on stdout, one object per result'
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -s q -l quiet -d 'Print less: only failures and the summary'
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -s v -l verbose -d 'Print more: headers and bodies'
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hookctl -n "__fish_hookctl_using_subcommand listen" -s V -l version -d 'Print version'
complete -c hookctl -n "__fish_hookctl_using_subcommand replay" -s t -l to -d 'Where to send; a path here replaces the captured one [default: http://localhost:8080/, with the captured path]' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand replay" -l filter -d 'Replay only these: provider, event or provider:event, with * and ? globs (repeatable)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand replay" -s s -l secret -d 'The secret for --resign and for restoring CryptoMate\'s key (else the usual sources)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand replay" -s c -l concurrency -d 'How many requests may be in flight at once; 1 keeps strict order' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand replay" -l rate -d 'At most this many requests per second, e.g. 50 or 50/s or 600/m' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand replay" -l expect-status -d 'Statuses that count as delivered [default: the provider\'s own rule]' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand replay" -l timeout -d 'Give up on a request after this long' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand replay" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand replay" -l config -d 'Read settings from this file instead of ./hookctl.toml or the user config folder' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand replay" -l fixtures -d 'Add or override providers and events from a folder laid out like fixtures/' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand replay" -l resign -d 'Sign Stripe and Standard Webhooks deliveries again with a fresh timestamp, using the configured secrets'
complete -c hookctl -n "__fish_hookctl_using_subcommand replay" -l dry-run -d 'Print each request exactly as it would go, and send nothing'
complete -c hookctl -n "__fish_hookctl_using_subcommand replay" -s k -l insecure -d 'Accept invalid TLS certificates (self-signed HTTPS)'
complete -c hookctl -n "__fish_hookctl_using_subcommand replay" -l json -d 'Print JSON Lines on stdout, one object per result'
complete -c hookctl -n "__fish_hookctl_using_subcommand replay" -s q -l quiet -d 'Print less: only failures and the summary'
complete -c hookctl -n "__fish_hookctl_using_subcommand replay" -s v -l verbose -d 'Print more: headers and bodies'
complete -c hookctl -n "__fish_hookctl_using_subcommand replay" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_using_subcommand replay" -s V -l version -d 'Print version'
complete -c hookctl -n "__fish_hookctl_using_subcommand verify" -s s -l secret -d 'The secret to verify with (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file, the built-in test secret)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand verify" -s p -l provider -d 'Treat every capture as this provider\'s' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand verify" -l tolerance -d 'How far a signed timestamp may be from the time the delivery was received' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand verify" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand verify" -l config -d 'Read settings from this file instead of ./hookctl.toml or the user config folder' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand verify" -l fixtures -d 'Add or override providers and events from a folder laid out like fixtures/' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand verify" -l json -d 'Print JSON Lines on stdout, one object per result'
complete -c hookctl -n "__fish_hookctl_using_subcommand verify" -s q -l quiet -d 'Print less: only failures and the summary'
complete -c hookctl -n "__fish_hookctl_using_subcommand verify" -s v -l verbose -d 'Print more: headers and bodies'
complete -c hookctl -n "__fish_hookctl_using_subcommand verify" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_using_subcommand verify" -s V -l version -d 'Print version'
complete -c hookctl -n "__fish_hookctl_using_subcommand probe" -s t -l to -d 'The receiver: localhost:3000/webhooks, :3000/hooks or a full URL (loopback only, unless --allow-remote)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand probe" -s p -l provider -d 'The provider whose deliveries to send (with no EVENT, its first event)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand probe" -s s -l secret -d 'The receiver\'s secret (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file; never the built-in one unless named here)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand probe" -l only -d 'Run only these cases (repeatable; `hookctl probe --list` names them)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand probe" -l skip -d 'Leave out these cases (repeatable)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand probe" -l oracle -d 'A shell command that prints how many times the receiver processed $HOOKCTL_DELIVERY_ID' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand probe" -l junit -d 'Write the results as JUnit XML to this file, for CI dashboards' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand probe" -l timeout -d 'How long to wait for each answer' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand probe" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand probe" -l config -d 'Read settings from this file instead of ./hookctl.toml or the user config folder' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand probe" -l fixtures -d 'Add or override providers and events from a folder laid out like fixtures/' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand probe" -l list -d 'List the cases and exit'
complete -c hookctl -n "__fish_hookctl_using_subcommand probe" -l timing -d 'Also compare answer times of near and far signature misses (hundreds of requests)'
complete -c hookctl -n "__fish_hookctl_using_subcommand probe" -l strict -d 'Count WARN as FAIL'
complete -c hookctl -n "__fish_hookctl_using_subcommand probe" -l allow-remote -d 'Allow a target that is not on this machine (probes are attacks: only your own receivers)'
complete -c hookctl -n "__fish_hookctl_using_subcommand probe" -l json -d 'Print JSON Lines on stdout, one object per result'
complete -c hookctl -n "__fish_hookctl_using_subcommand probe" -s q -l quiet -d 'Print less: only failures and the summary'
complete -c hookctl -n "__fish_hookctl_using_subcommand probe" -s v -l verbose -d 'Print more: headers and bodies'
complete -c hookctl -n "__fish_hookctl_using_subcommand probe" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_using_subcommand probe" -s V -l version -d 'Print version'
complete -c hookctl -n "__fish_hookctl_using_subcommand demo" -l save -d 'Keep the captures in this folder (or journal, a path ending in .jsonl) instead of a temporary folder' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand demo" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand demo" -l config -d 'Read settings from this file instead of ./hookctl.toml or the user config folder' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand demo" -l fixtures -d 'Add or override providers and events from a folder laid out like fixtures/' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand demo" -l json -d 'Print JSON Lines on stdout, one object per result'
complete -c hookctl -n "__fish_hookctl_using_subcommand demo" -s q -l quiet -d 'Print less: only failures and the summary'
complete -c hookctl -n "__fish_hookctl_using_subcommand demo" -s v -l verbose -d 'Print more: headers and bodies'
complete -c hookctl -n "__fish_hookctl_using_subcommand demo" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_using_subcommand demo" -s V -l version -d 'Print version'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and not __fish_seen_subcommand_from show help" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and not __fish_seen_subcommand_from show help" -l config -d 'Read settings from this file instead of ./hookctl.toml or the user config folder' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and not __fish_seen_subcommand_from show help" -l fixtures -d 'Add or override providers and events from a folder laid out like fixtures/' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and not __fish_seen_subcommand_from show help" -l json -d 'Print JSON Lines on stdout, one object per result'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and not __fish_seen_subcommand_from show help" -s q -l quiet -d 'Print less: only failures and the summary'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and not __fish_seen_subcommand_from show help" -s v -l verbose -d 'Print more: headers and bodies'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and not __fish_seen_subcommand_from show help" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and not __fish_seen_subcommand_from show help" -s V -l version -d 'Print version'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and not __fish_seen_subcommand_from show help" -a "show" -d 'Print an event\'s body, or a scenario\'s steps, rendered with fresh ids and timestamps (before signing or encryption)'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and not __fish_seen_subcommand_from show help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and __fish_seen_subcommand_from show" -l scenario -d 'Show a scenario\'s steps instead: `name` or `provider:name`' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and __fish_seen_subcommand_from show" -s p -l provider -d 'The provider, when the name alone is ambiguous' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and __fish_seen_subcommand_from show" -l set -d 'Change a field: path=value (repeatable)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and __fish_seen_subcommand_from show" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and __fish_seen_subcommand_from show" -l config -d 'Read settings from this file instead of ./hookctl.toml or the user config folder' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and __fish_seen_subcommand_from show" -l fixtures -d 'Add or override providers and events from a folder laid out like fixtures/' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and __fish_seen_subcommand_from show" -l json -d 'Print JSON Lines on stdout, one object per result'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print less: only failures and the summary'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Print more: headers and bodies'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print an event\'s body, or a scenario\'s steps, rendered with fresh ids and timestamps (before signing or encryption)'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hookctl -n "__fish_hookctl_using_subcommand completions" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand completions" -l config -d 'Read settings from this file instead of ./hookctl.toml or the user config folder' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand completions" -l fixtures -d 'Add or override providers and events from a folder laid out like fixtures/' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand completions" -l json -d 'Print JSON Lines on stdout, one object per result'
complete -c hookctl -n "__fish_hookctl_using_subcommand completions" -s q -l quiet -d 'Print less: only failures and the summary'
complete -c hookctl -n "__fish_hookctl_using_subcommand completions" -s v -l verbose -d 'Print more: headers and bodies'
complete -c hookctl -n "__fish_hookctl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from send listen replay verify probe demo fixtures completions help" -f -a "send" -d 'Send provider events to a URL, signed (or encrypted) as the provider does'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from send listen replay verify probe demo fixtures completions help" -f -a "listen" -d 'Receive webhooks: recognise the provider, verify, show and save each delivery'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from send listen replay verify probe demo fixtures completions help" -f -a "replay" -d 'Send captured deliveries again, byte for byte, in arrival order'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from send listen replay verify probe demo fixtures completions help" -f -a "verify" -d 'Verify captured deliveries offline with the configured secrets'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from send listen replay verify probe demo fixtures completions help" -f -a "probe" -d 'Audit a running receiver: send it genuine, forged, stale, replayed and tampered deliveries and grade each answer'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from send listen replay verify probe demo fixtures completions help" -f -a "demo" -d 'The whole loop with nothing set up: send every event, listen, verify, capture, replay'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from send listen replay verify probe demo fixtures completions help" -f -a "fixtures" -d 'List providers and events, or show an event\'s rendered body'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from send listen replay verify probe demo fixtures completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from send listen replay verify probe demo fixtures completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and __fish_seen_subcommand_from fixtures" -f -a "show" -d 'Print an event\'s body, or a scenario\'s steps, rendered with fresh ids and timestamps (before signing or encryption)'
