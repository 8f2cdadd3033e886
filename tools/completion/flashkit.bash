# bash completion for flashkit. The words come from the installed CLI's own
# --help (commands, their subcommands, options), so it follows the CLI as it
# grows instead of being a second list to keep up to date.

_flashkit_commands()
{
    # the "commands:" block of `flashkit --help`: two-space indented names
    "$1" --help 2>/dev/null | sed -n 's/^  \([a-z][a-z0-9-]*\)  .*/\1/p'
}

_flashkit_subcommands()
{
    local help
    help=$("$1" "$2" --help 2>/dev/null) || return
    # only commands that take a subcommand: "commands:" block, or a usage of
    # the shape "flashkit CMD <a|b>" / "flashkit CMD a|b"
    if printf '%s\n' "$help" | grep -q '^commands:' ||
        printf '%s\n' "$help" | grep -Eq "^usage: flashkit $2 (<|[a-z]+\\|)"; then
        printf '%s\n' "$help" | sed -n 's/^  \([a-z][a-z0-9_-]*\)\( .*\)\{0,1\}$/\1/p' | sort -u
    fi
}

_flashkit()
{
    local cur prev fk words_before
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    fk=${COMP_WORDS[0]}

    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$(_flashkit_commands "$fk") --help --version" -- "$cur"))
        return
    fi
    local cmd=${COMP_WORDS[1]} sub=""
    local subs
    subs=$(_flashkit_subcommands "$fk" "$cmd")
    if [ -n "$subs" ]; then
        if [ "$COMP_CWORD" -eq 2 ]; then
            COMPREPLY=($(compgen -W "$subs --help" -- "$cur"))
            return
        fi
        sub=${COMP_WORDS[2]}
    fi
    if [[ $cur == -* ]]; then
        local opts
        opts=$("$fk" "$cmd" $sub --help 2>/dev/null | grep -o -- '--[a-z0-9][a-z0-9-]*' | sort -u)
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    case $prev in
    --table) COMPREPLY=($(compgen -W "singleapp two_ota two_ota_1mb" -- "$cur")) ;;
    --flash-size) COMPREPLY=($(compgen -W "1MB 2MB 4MB 8MB 16MB" -- "$cur")) ;;
    esac
    # files otherwise (images, CSVs, sdkconfig)
    COMPREPLY+=($(compgen -f -- "$cur"))
}
complete -o filenames -F _flashkit flashkit
