"""Activation scripts for a new virtual environment: bash/zsh, fish, csh and PowerShell.

bale writes these from its own templates. Each script does the same three things: remember what it
changes (``PATH``, ``PYTHONHOME``, the prompt), put the environment's scripts folder first on
``PATH`` and set ``VIRTUAL_ENV`` / ``VIRTUAL_ENV_PROMPT``, and define ``deactivate`` to undo exactly
that. The venv's path is written as a quoted literal of each shell, so spaces, quotes and ``$`` in
it are harmless.

``activation_scripts(root, bin_name, prompt)`` returns ``{file name: text}``; the caller writes
them.
"""

from __future__ import annotations

import os


def _sh_quote(text: str) -> str:
    """A POSIX-shell single-quoted literal (also valid for csh, which has no other escape)."""
    return "'" + text.replace("'", "'\\''") + "'"


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _ps_quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_BASH = """\
# Activate this virtual environment in bash or zsh (written by bale):
#     source {bin_rel}/activate
# Sourcing is required: a script run on its own cannot change its parent shell.
# `deactivate` undoes every change made here.

if [ "${{BASH_SOURCE-}}" = "$0" ]; then
    echo "this file must be sourced: source $0" >&2
    exit 33
fi

deactivate () {{
    if [ -n "${{_BALE_SAVED_PATH+set}}" ]; then
        PATH="$_BALE_SAVED_PATH"
        export PATH
        unset _BALE_SAVED_PATH
    fi
    if [ -n "${{_BALE_SAVED_PYTHONHOME+set}}" ]; then
        PYTHONHOME="$_BALE_SAVED_PYTHONHOME"
        export PYTHONHOME
        unset _BALE_SAVED_PYTHONHOME
    fi
    if [ -n "${{_BALE_SAVED_PS1+set}}" ]; then
        PS1="$_BALE_SAVED_PS1"
        export PS1
        unset _BALE_SAVED_PS1
    fi
    unset VIRTUAL_ENV VIRTUAL_ENV_PROMPT
    # Forget command locations remembered while the environment was active.
    hash -r 2>/dev/null || true
    if [ "${{1-}}" != "keep-function" ]; then
        unset -f deactivate
    fi
}}

# Leave any environment that is active now, keeping this function.
deactivate keep-function

VIRTUAL_ENV={root}
VIRTUAL_ENV_PROMPT={prompt}
export VIRTUAL_ENV VIRTUAL_ENV_PROMPT

_BALE_SAVED_PATH="$PATH"
PATH="$VIRTUAL_ENV/{bin_name}:$PATH"
export PATH

if [ -n "${{PYTHONHOME+set}}" ]; then
    _BALE_SAVED_PYTHONHOME="$PYTHONHOME"
    unset PYTHONHOME
fi

if [ -z "${{VIRTUAL_ENV_DISABLE_PROMPT-}}" ]; then
    _BALE_SAVED_PS1="${{PS1-}}"
    PS1="($VIRTUAL_ENV_PROMPT) ${{PS1-}}"
    export PS1
fi

hash -r 2>/dev/null || true
"""

_FISH = """\
# Activate this virtual environment in fish (written by bale):
#     source {bin_rel}/activate.fish
# `deactivate` undoes every change made here.

function deactivate --description "leave the virtual environment"
    if set -q _bale_saved_path
        set -gx PATH $_bale_saved_path
        set -e _bale_saved_path
    end
    if set -q _bale_saved_pythonhome
        set -gx PYTHONHOME $_bale_saved_pythonhome
        set -e _bale_saved_pythonhome
    end
    if functions -q _bale_saved_fish_prompt
        functions -e fish_prompt
        functions -c _bale_saved_fish_prompt fish_prompt
        functions -e _bale_saved_fish_prompt
    end
    set -e VIRTUAL_ENV
    set -e VIRTUAL_ENV_PROMPT
    if test "$argv[1]" != "keep-function"
        functions -e deactivate
    end
end

deactivate keep-function

set -gx VIRTUAL_ENV {root}
set -gx VIRTUAL_ENV_PROMPT {prompt}

set -gx _bale_saved_path $PATH
set -gx PATH "$VIRTUAL_ENV/{bin_name}" $PATH

if set -q PYTHONHOME
    set -gx _bale_saved_pythonhome $PYTHONHOME
    set -e PYTHONHOME
end

if test -z "$VIRTUAL_ENV_DISABLE_PROMPT"
    functions -c fish_prompt _bale_saved_fish_prompt
    function fish_prompt
        set -l last_status $status
        printf "(%s) " $VIRTUAL_ENV_PROMPT
        echo -n -s (_bale_saved_fish_prompt)
        return $last_status
    end
end
"""

_CSH = """\
# Activate this virtual environment in csh or tcsh (written by bale):
#     source {bin_rel}/activate.csh
# `deactivate` undoes every change made here.

{deactivate_alias}

deactivate keep-alias

setenv VIRTUAL_ENV {root}
setenv VIRTUAL_ENV_PROMPT {prompt}

set _bale_saved_path="$PATH"
setenv PATH "${{VIRTUAL_ENV}}/{bin_name}:${{PATH}}"

if (! $?VIRTUAL_ENV_DISABLE_PROMPT) then
    if ($?prompt) then
        set _bale_saved_prompt="$prompt"
        set prompt="(${{VIRTUAL_ENV_PROMPT}}) $prompt"
    endif
endif

rehash
"""

# One csh alias (csh has no functions); `\\!:*` is the alias's own arguments.
_CSH_DEACTIVATE = (
    "alias deactivate '"
    'test $?_bale_saved_path != 0 && setenv PATH "$_bale_saved_path:q" '
    "&& unset _bale_saved_path; "
    'test $?_bale_saved_prompt != 0 && set prompt="$_bale_saved_prompt:q" '
    "&& unset _bale_saved_prompt; "
    "unsetenv VIRTUAL_ENV; unsetenv VIRTUAL_ENV_PROMPT; rehash; "
    'test "\\!:*" != "keep-alias" && unalias deactivate\''
)

_POWERSHELL = """\
# Activate this virtual environment in PowerShell (written by bale):
#     . {bin_rel}/Activate.ps1
# `deactivate` undoes every change made here.

function global:deactivate([switch] $KeepFunction) {{
    if (Test-Path variable:global:_BaleSavedPath) {{
        $env:PATH = $global:_BaleSavedPath
        Remove-Variable -Name _BaleSavedPath -Scope Global
    }}
    if (Test-Path variable:global:_BaleSavedPythonHome) {{
        $env:PYTHONHOME = $global:_BaleSavedPythonHome
        Remove-Variable -Name _BaleSavedPythonHome -Scope Global
    }}
    if (Test-Path function:_BaleSavedPrompt) {{
        Copy-Item -Path function:_BaleSavedPrompt -Destination function:prompt
        Remove-Item -Path function:_BaleSavedPrompt
    }}
    if (Test-Path env:VIRTUAL_ENV) {{ Remove-Item -Path env:VIRTUAL_ENV }}
    if (Test-Path env:VIRTUAL_ENV_PROMPT) {{ Remove-Item -Path env:VIRTUAL_ENV_PROMPT }}
    if (-not $KeepFunction) {{ Remove-Item -Path function:deactivate }}
}}

deactivate -KeepFunction

$env:VIRTUAL_ENV = {root_ps}
$env:VIRTUAL_ENV_PROMPT = {prompt_ps}

$global:_BaleSavedPath = $env:PATH
$env:PATH = (Join-Path $env:VIRTUAL_ENV {bin_name_ps}) + [System.IO.Path]::PathSeparator + $env:PATH

if (Test-Path env:PYTHONHOME) {{
    $global:_BaleSavedPythonHome = $env:PYTHONHOME
    Remove-Item -Path env:PYTHONHOME
}}

if (-not $env:VIRTUAL_ENV_DISABLE_PROMPT) {{
    Copy-Item -Path function:prompt -Destination function:_BaleSavedPrompt
    function global:prompt {{
        Write-Host -NoNewline "($env:VIRTUAL_ENV_PROMPT) "
        _BaleSavedPrompt
    }}
}}
"""


def activation_scripts(root: str | os.PathLike[str], bin_name: str, prompt: str) -> dict[str, str]:
    """The activation scripts for a venv at ``root`` whose scripts live in ``root/bin_name``."""
    root_text = os.fspath(root)
    bin_rel = f"{os.path.basename(root_text)}/{bin_name}"
    return {
        "activate": _BASH.format(
            root=_sh_quote(root_text),
            prompt=_sh_quote(prompt),
            bin_name=bin_name,
            bin_rel=bin_rel,
        ),
        "activate.fish": _FISH.format(
            root=_fish_quote(root_text),
            prompt=_fish_quote(prompt),
            bin_name=bin_name,
            bin_rel=bin_rel,
        ),
        "activate.csh": _CSH.format(
            root=_sh_quote(root_text),
            prompt=_sh_quote(prompt),
            bin_name=bin_name,
            bin_rel=bin_rel,
            deactivate_alias=_CSH_DEACTIVATE,
        ),
        "Activate.ps1": _POWERSHELL.format(
            root_ps=_ps_quote(root_text),
            prompt_ps=_ps_quote(prompt),
            bin_name_ps=_ps_quote(bin_name),
            bin_rel=bin_rel,
        ),
    }
