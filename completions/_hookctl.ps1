
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'hookctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'hookctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'hookctl' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of ./hookctl.toml or the user config folder')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Add or override providers and events from a folder laid out like fixtures/')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines on stdout, one object per result')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only failures and the summary')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only failures and the summary')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: headers and bodies')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: headers and bodies')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send provider events to a URL, signed (or encrypted) as the provider does')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Receive webhooks: recognise the provider, verify, show and save each delivery')
            [CompletionResult]::new('replay', 'replay', [CompletionResultType]::ParameterValue, 'Send captured deliveries again, byte for byte, in arrival order')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify captured deliveries offline with the configured secrets')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Audit a running receiver: send it genuine, forged, stale, replayed and tampered deliveries and grade each answer')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'The whole loop with nothing set up: send every event, listen, verify, capture, replay')
            [CompletionResult]::new('fixtures', 'fixtures', [CompletionResultType]::ParameterValue, 'List providers and events, or show an event''s rendered body')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hookctl;send' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Where to send: localhost, localhost:3000, :3000, 127.0.0.1:3000/hooks or a full URL [default: http://localhost:8080/]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Where to send: localhost, localhost:3000, :3000, 127.0.0.1:3000/hooks or a full URL [default: http://localhost:8080/]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The provider of the events (when a name alone is ambiguous), or the provider for --all')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'The provider of the events (when a name alone is ambiguous), or the provider for --all')
            [CompletionResult]::new('--scenario', '--scenario', [CompletionResultType]::ParameterName, 'Send a scenario''s steps as one run with shared ids: `name` or `provider:name` (repeatable; `hookctl fixtures PROVIDER` lists them)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The signing secret (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file, the built-in test secret)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The signing secret (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file, the built-in test secret)')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Change a field of the body: path=value, the value parsed as JSON where it parses (repeatable)')
            [CompletionResult]::new('--body', '--body', [CompletionResultType]::ParameterName, 'Send this file''s bytes (or stdin''s, with -) as the body, signed verbatim')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Add a header, replacing one of the same name (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Add a header, replacing one of the same name (repeatable)')
            [CompletionResult]::new('--webhook-id', '--webhook-id', [CompletionResultType]::ParameterName, 'Use this delivery id instead of a fresh one')
            [CompletionResult]::new('--timestamp', '--timestamp', [CompletionResultType]::ParameterName, 'Sign and render with this time (Unix seconds or RFC 3339) instead of now')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'How many times to send each event, each with fresh ids')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'How many times to send each event, each with fresh ids')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'How many requests may be in flight at once')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many requests may be in flight at once')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a request after this long (e.g. 500ms, 10s, 1m) [default: 30s; with --retry, the provider''s timeout]')
            [CompletionResult]::new('--expect-status', '--expect-status', [CompletionResultType]::ParameterName, 'Statuses that count as delivered, e.g. 200, 2xx, 200-299, 200,202 [default: the provider''s own rule]')
            [CompletionResult]::new('--time-scale', '--time-scale', [CompletionResultType]::ParameterName, 'With --retry: divide every wait by this (3600: an hour of the schedule in a second)')
            [CompletionResult]::new('--max-attempts', '--max-attempts', [CompletionResultType]::ParameterName, 'With --retry: at most this many attempts per delivery')
            [CompletionResult]::new('--schedule', '--schedule', [CompletionResultType]::ParameterName, 'With --retry: the wait before each attempt instead of the provider''s, the first included (0,5s,1m)')
            [CompletionResult]::new('--duplicate-rate', '--duplicate-rate', [CompletionResultType]::ParameterName, 'Send this fraction of the deliveries twice, the second copy byte for byte, as providers do (0 to 1)')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Make --shuffle and --duplicate-rate reproducible [default: a random seed, reported]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of ./hookctl.toml or the user config folder')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Add or override providers and events from a folder laid out like fixtures/')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Send every event of --provider, or of every provider')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Accept invalid TLS certificates (self-signed HTTPS)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept invalid TLS certificates (self-signed HTTPS)')
            [CompletionResult]::new('--retry', '--retry', [CompletionResultType]::ParameterName, 'Retry a failed delivery on the provider''s schedule (`hookctl fixtures PROVIDER` shows it), re-signed where the scheme signs a timestamp')
            [CompletionResult]::new('--shuffle', '--shuffle', [CompletionResultType]::ParameterName, 'Send the run''s deliveries in a random order, as providers guarantee none')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print each request exactly as it would go, and send nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines on stdout, one object per result')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only failures and the summary')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only failures and the summary')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: headers and bodies')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: headers and bodies')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'hookctl;listen' {
            [CompletionResult]::new('-P', '-P ', [CompletionResultType]::ParameterName, 'The port to listen on; 0 picks a free one (the first line says which)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'The port to listen on; 0 picks a free one (the first line says which)')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'The address to listen on; anything but loopback is reachable from other machines')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Accept deliveries on this path only (default: every path)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Treat every delivery as this provider''s (default: recognise each from its headers and body)')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Treat every delivery as this provider''s (default: recognise each from its headers and body)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The secret to verify with (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file, the built-in test secret)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The secret to verify with (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file, the built-in test secret)')
            [CompletionResult]::new('--public-url', '--public-url', [CompletionResultType]::ParameterName, 'The URL senders signed against, for MobilePay (default: rebuilt from the Host header and path)')
            [CompletionResult]::new('--save', '--save', [CompletionResultType]::ParameterName, 'Save every delivery, valid or not: a capture file each in this folder, or a line each in this journal (a path ending in .jsonl)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'The status to answer with')
            [CompletionResult]::new('--response-body', '--response-body', [CompletionResultType]::ParameterName, 'The body to answer with')
            [CompletionResult]::new('--response-header', '--response-header', [CompletionResultType]::ParameterName, 'A header to answer with (repeatable)')
            [CompletionResult]::new('--delay', '--delay', [CompletionResultType]::ParameterName, 'Wait this long before answering (e.g. 200ms)')
            [CompletionResult]::new('--authorization', '--authorization', [CompletionResultType]::ParameterName, 'How to answer CryptoMate card authorisations (which must be answered within 1,200 ms)')
            [CompletionResult]::new('--forward-to', '--forward-to', [CompletionResultType]::ParameterName, 'Pass each delivery on to your app, byte for byte, and give the app''s answer back to the sender')
            [CompletionResult]::new('--forward-timeout', '--forward-timeout', [CompletionResultType]::ParameterName, 'How long to wait for the app behind --forward-to')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Exit after this many deliveries')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Exit after this many deliveries')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'With --count or --expect: exit with an error if they have not all arrived within this time')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'Fail unless this event arrives: `event` or `provider:event` (repeatable); exits once all have')
            [CompletionResult]::new('--max-body', '--max-body', [CompletionResultType]::ParameterName, 'The largest body accepted, e.g. 16MiB or 50MB; larger ones are answered 413')
            [CompletionResult]::new('--read-timeout', '--read-timeout', [CompletionResultType]::ParameterName, 'How long a client may take to send its headers, and then its body')
            [CompletionResult]::new('--tolerance', '--tolerance', [CompletionResultType]::ParameterName, 'How far a signed timestamp may be from now (Stripe, Standard Webhooks)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of ./hookctl.toml or the user config folder')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Add or override providers and events from a folder laid out like fixtures/')
            [CompletionResult]::new('--sync', '--sync', [CompletionResultType]::ParameterName, 'With --save: answer a delivery only once its capture is on disk (fdatasync)')
            [CompletionResult]::new('--reject-invalid', '--reject-invalid', [CompletionResultType]::ParameterName, 'Answer deliveries that fail verification with 401, or the provider''s own failure status (Treezor: 500)')
            [CompletionResult]::new('--redact', '--redact', [CompletionResultType]::ParameterName, 'Mask card numbers, IBANs and e-mail addresses in what is printed')
            [CompletionResult]::new('--redact-saved', '--redact-saved', [CompletionResultType]::ParameterName, 'Mask them in the captures too (their bodies then no longer verify)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines on stdout, one object per result')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only failures and the summary')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only failures and the summary')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: headers and bodies')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: headers and bodies')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'hookctl;replay' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Where to send; a path here replaces the captured one [default: http://localhost:8080/, with the captured path]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Where to send; a path here replaces the captured one [default: http://localhost:8080/, with the captured path]')
            [CompletionResult]::new('--filter', '--filter', [CompletionResultType]::ParameterName, 'Replay only these: provider, event or provider:event, with * and ? globs (repeatable)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The secret for --resign and for restoring CryptoMate''s key (else the usual sources)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The secret for --resign and for restoring CryptoMate''s key (else the usual sources)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'How many requests may be in flight at once; 1 keeps strict order')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many requests may be in flight at once; 1 keeps strict order')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'At most this many requests per second, e.g. 50 or 50/s or 600/m')
            [CompletionResult]::new('--expect-status', '--expect-status', [CompletionResultType]::ParameterName, 'Statuses that count as delivered [default: the provider''s own rule]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a request after this long')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of ./hookctl.toml or the user config folder')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Add or override providers and events from a folder laid out like fixtures/')
            [CompletionResult]::new('--resign', '--resign', [CompletionResultType]::ParameterName, 'Sign Stripe and Standard Webhooks deliveries again with a fresh timestamp, using the configured secrets')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print each request exactly as it would go, and send nothing')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Accept invalid TLS certificates (self-signed HTTPS)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept invalid TLS certificates (self-signed HTTPS)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines on stdout, one object per result')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only failures and the summary')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only failures and the summary')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: headers and bodies')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: headers and bodies')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'hookctl;verify' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The secret to verify with (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file, the built-in test secret)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The secret to verify with (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file, the built-in test secret)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Treat every capture as this provider''s')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Treat every capture as this provider''s')
            [CompletionResult]::new('--tolerance', '--tolerance', [CompletionResultType]::ParameterName, 'How far a signed timestamp may be from the time the delivery was received')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of ./hookctl.toml or the user config folder')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Add or override providers and events from a folder laid out like fixtures/')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines on stdout, one object per result')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only failures and the summary')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only failures and the summary')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: headers and bodies')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: headers and bodies')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'hookctl;probe' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'The receiver: localhost:3000/webhooks, :3000/hooks or a full URL (loopback only, unless --allow-remote)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The receiver: localhost:3000/webhooks, :3000/hooks or a full URL (loopback only, unless --allow-remote)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The provider whose deliveries to send (with no EVENT, its first event)')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'The provider whose deliveries to send (with no EVENT, its first event)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The receiver''s secret (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file; never the built-in one unless named here)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The receiver''s secret (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file; never the built-in one unless named here)')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only these cases (repeatable; `hookctl probe --list` names them)')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Leave out these cases (repeatable)')
            [CompletionResult]::new('--oracle', '--oracle', [CompletionResultType]::ParameterName, 'A shell command that prints how many times the receiver processed $HOOKCTL_DELIVERY_ID')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Write the results as JUnit XML to this file, for CI dashboards')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of ./hookctl.toml or the user config folder')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Add or override providers and events from a folder laid out like fixtures/')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List the cases and exit')
            [CompletionResult]::new('--timing', '--timing', [CompletionResultType]::ParameterName, 'Also compare answer times of near and far signature misses (hundreds of requests)')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Count WARN as FAIL')
            [CompletionResult]::new('--allow-remote', '--allow-remote', [CompletionResultType]::ParameterName, 'Allow a target that is not on this machine (probes are attacks: only your own receivers)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines on stdout, one object per result')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only failures and the summary')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only failures and the summary')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: headers and bodies')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: headers and bodies')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'hookctl;demo' {
            [CompletionResult]::new('--save', '--save', [CompletionResultType]::ParameterName, 'Keep the captures in this folder (or journal, a path ending in .jsonl) instead of a temporary folder')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of ./hookctl.toml or the user config folder')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Add or override providers and events from a folder laid out like fixtures/')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines on stdout, one object per result')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only failures and the summary')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only failures and the summary')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: headers and bodies')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: headers and bodies')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'hookctl;fixtures' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of ./hookctl.toml or the user config folder')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Add or override providers and events from a folder laid out like fixtures/')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines on stdout, one object per result')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only failures and the summary')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only failures and the summary')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: headers and bodies')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: headers and bodies')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print an event''s body, or a scenario''s steps, rendered with fresh ids and timestamps (before signing or encryption)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hookctl;fixtures;show' {
            [CompletionResult]::new('--scenario', '--scenario', [CompletionResultType]::ParameterName, 'Show a scenario''s steps instead: `name` or `provider:name`')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The provider, when the name alone is ambiguous')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'The provider, when the name alone is ambiguous')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Change a field: path=value (repeatable)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of ./hookctl.toml or the user config folder')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Add or override providers and events from a folder laid out like fixtures/')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines on stdout, one object per result')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only failures and the summary')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only failures and the summary')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: headers and bodies')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: headers and bodies')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'hookctl;fixtures;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print an event''s body, or a scenario''s steps, rendered with fresh ids and timestamps (before signing or encryption)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hookctl;fixtures;help;show' {
            break
        }
        'hookctl;fixtures;help;help' {
            break
        }
        'hookctl;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of ./hookctl.toml or the user config folder')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'Add or override providers and events from a folder laid out like fixtures/')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines on stdout, one object per result')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only failures and the summary')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only failures and the summary')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more: headers and bodies')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more: headers and bodies')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'hookctl;help' {
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send provider events to a URL, signed (or encrypted) as the provider does')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Receive webhooks: recognise the provider, verify, show and save each delivery')
            [CompletionResult]::new('replay', 'replay', [CompletionResultType]::ParameterValue, 'Send captured deliveries again, byte for byte, in arrival order')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify captured deliveries offline with the configured secrets')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Audit a running receiver: send it genuine, forged, stale, replayed and tampered deliveries and grade each answer')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'The whole loop with nothing set up: send every event, listen, verify, capture, replay')
            [CompletionResult]::new('fixtures', 'fixtures', [CompletionResultType]::ParameterValue, 'List providers and events, or show an event''s rendered body')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hookctl;help;send' {
            break
        }
        'hookctl;help;listen' {
            break
        }
        'hookctl;help;replay' {
            break
        }
        'hookctl;help;verify' {
            break
        }
        'hookctl;help;probe' {
            break
        }
        'hookctl;help;demo' {
            break
        }
        'hookctl;help;fixtures' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print an event''s body, or a scenario''s steps, rendered with fresh ids and timestamps (before signing or encryption)')
            break
        }
        'hookctl;help;fixtures;show' {
            break
        }
        'hookctl;help;completions' {
            break
        }
        'hookctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
