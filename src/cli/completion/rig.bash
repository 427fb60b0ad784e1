# bash completion for rig. Load it with:  source <(rig completion bash)
_rig_complete() {
  local IFS=$'\n' line out
  out=$(rig __complete -- "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return 0
  COMPREPLY=()
  for line in $out; do COMPREPLY+=("${line%%$'\t'*}"); done
  # `ws1/` continues with an operation id: no space after it.
  if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == */ ]]; then compopt -o nospace 2>/dev/null; fi
  return 0
}
complete -o default -F _rig_complete rig
