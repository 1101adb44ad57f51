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
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "fixtures" -d 'List providers and events, or show an event\'s rendered body'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c hookctl -n "__fish_hookctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s t -l to -d 'Where to send: localhost, localhost:3000, :3000, 127.0.0.1:3000/hooks or a full URL [default: http://localhost:8080/]' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s p -l provider -d 'The provider of the events (when a name alone is ambiguous), or the provider for --all' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s s -l secret -d 'The signing secret (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file, the built-in test secret)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l set -d 'Change a field of the body: path=value, the value parsed as JSON where it parses (repeatable)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l body -d 'Send this file\'s bytes (or stdin\'s, with -) as the body, signed verbatim' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s H -l header -d 'Add a header, replacing one of the same name (repeatable)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l webhook-id -d 'Use this delivery id instead of a fresh one' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l timestamp -d 'Sign and render with this time (Unix seconds or RFC 3339) instead of now' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s n -l count -d 'How many times to send each event, each with fresh ids' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s c -l concurrency -d 'How many requests may be in flight at once' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l timeout -d 'Give up on a request after this long (e.g. 500ms, 10s, 1m)' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l expect-status -d 'Statuses that count as delivered, e.g. 200, 2xx, 200-299, 200,202 [default: the provider\'s own rule]' -r
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l config -d 'Read settings from this file instead of ./hookctl.toml or the user config folder' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l fixtures -d 'Add or override providers and events from a folder laid out like fixtures/' -r -F
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l all -d 'Send every event of --provider, or of every provider'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s k -l insecure -d 'Accept invalid TLS certificates (self-signed HTTPS)'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l dry-run -d 'Print each request exactly as it would go, and send nothing'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -l json -d 'Print JSON Lines on stdout, one object per result'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s q -l quiet -d 'Print less: only failures and the summary'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s v -l verbose -d 'Print more: headers and bodies'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s h -l help -d 'Print help'
complete -c hookctl -n "__fish_hookctl_using_subcommand send" -s V -l version -d 'Print version'
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
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and not __fish_seen_subcommand_from show help" -a "show" -d 'Print an event\'s body, rendered with fresh ids and timestamps (before signing or encryption)'
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and not __fish_seen_subcommand_from show help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
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
complete -c hookctl -n "__fish_hookctl_using_subcommand fixtures; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print an event\'s body, rendered with fresh ids and timestamps (before signing or encryption)'
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
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from send fixtures completions help" -f -a "send" -d 'Send provider events to a URL, signed (or encrypted) as the provider does'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from send fixtures completions help" -f -a "fixtures" -d 'List providers and events, or show an event\'s rendered body'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from send fixtures completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and not __fish_seen_subcommand_from send fixtures completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hookctl -n "__fish_hookctl_using_subcommand help; and __fish_seen_subcommand_from fixtures" -f -a "show" -d 'Print an event\'s body, rendered with fresh ids and timestamps (before signing or encryption)'
