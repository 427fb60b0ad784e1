# fish completion for rig. Load it with:  rig completion fish | source
function __rig_complete
    set -l words (commandline -opc) (commandline -ct)
    rig __complete -- $words[2..-1] 2>/dev/null
end
complete -c rig -f -a '(__rig_complete)'
