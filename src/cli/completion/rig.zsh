#compdef rig
# zsh completion for rig. Load it with:  source <(rig completion zsh)
_rig() {
  local -a lines plain slashed
  local line value
  lines=("${(@f)$(rig __complete -- "${(@)words[2,CURRENT]}" 2>/dev/null)}")
  for line in $lines; do
    [[ -z $line ]] && continue
    value=${line%%$'\t'*}
    if [[ $value == */ ]]; then slashed+=("$value"); else plain+=("$value"); fi
  done
  (( $#plain )) && compadd -Q -- "${plain[@]}"
  # `ws1/` continues with an operation id: no space after it.
  (( $#slashed )) && compadd -Q -S '' -- "${slashed[@]}"
  (( $#plain + $#slashed )) || _files
}
if (( ! $+functions[compdef] )); then
  autoload -Uz compinit && compinit -u
fi
compdef _rig rig
