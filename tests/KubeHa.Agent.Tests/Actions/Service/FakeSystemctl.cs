using KubeHa.TestSupport;

namespace KubeHa.Agent.Tests.Actions.Service;

/// <summary>
/// A stand-in `systemctl` script in a temp directory (put on the searched PATH). TEST DOUBLE: this
/// machine has no systemd as PID 1, so the real systemctl cannot run here; the double keeps unit
/// state in files (units/NAME/{active,enabled,broken}), answers `show` and the verbs with
/// systemctl's output shapes and exit codes (5 for an unknown unit, 1 for a failing start or a
/// reload of an inactive unit), and logs every argument vector to calls.log.
/// </summary>
internal sealed class FakeSystemctl : IDisposable
{
    private const string Script = """
        #!/bin/bash
        set -u
        here=$(dirname "$0")
        printf '%s\n' "$*" >>"$here/calls.log"
        [[ "${1:-}" == --no-ask-password ]] && shift
        verb=${1:-}
        unit=${!#}
        dir="$here/units/$unit"
        case "$verb" in
          show)
            if [[ ! -d "$dir" ]]; then printf 'LoadState=not-found\nActiveState=inactive\nUnitFileState=\n'; exit 0; fi
            printf 'LoadState=loaded\nActiveState=%s\nUnitFileState=%s\n' "$(<"$dir/active")" "$(<"$dir/enabled")"
            ;;
          start | stop | restart | reload | enable | disable)
            [[ -d "$dir" ]] || { echo "Failed to $verb $unit.service: Unit $unit.service not found." >&2; exit 5; }
            case "$verb" in
              start | restart)
                if [[ -f "$dir/broken" ]]; then
                  echo failed >"$dir/active"
                  echo "Job for $unit.service failed because the control process exited with error code." >&2
                  exit 1
                fi
                echo active >"$dir/active" ;;
              stop) echo inactive >"$dir/active" ;;
              reload)
                [[ "$(<"$dir/active")" == active ]] || { echo "$unit.service is not active, cannot reload." >&2; exit 1; } ;;
              enable) echo enabled >"$dir/enabled" ;;
              disable) echo disabled >"$dir/enabled" ;;
            esac
            ;;
          *) echo "Unknown command verb $verb." >&2; exit 1 ;;
        esac
        """;

    private readonly TempDir _dir = new("kubeha-fake-systemctl");

    public FakeSystemctl()
    {
        var path = _dir.Combine("systemctl");
        File.WriteAllText(path, Script.Replace("\r", string.Empty, StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>A PATH whose first directory holds the stand-in.</summary>
    public string SearchPath => _dir.Path + ":/usr/bin:/bin";

    public void Unit(string name, string active, string enabled, bool broken = false)
    {
        var dir = _dir.Combine("units", name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "active"), active + "\n");
        File.WriteAllText(Path.Combine(dir, "enabled"), enabled + "\n");
        if (broken)
        {
            File.WriteAllText(Path.Combine(dir, "broken"), string.Empty);
        }
    }

    public string Active(string name) => File.ReadAllText(_dir.Combine("units", name, "active")).Trim();

    public string Enabled(string name) => File.ReadAllText(_dir.Combine("units", name, "enabled")).Trim();

    /// <summary>Every argument vector the stand-in received, in order.</summary>
    public IReadOnlyList<string> Calls => File.Exists(_dir.Combine("calls.log")) ? File.ReadAllLines(_dir.Combine("calls.log")) : [];

    public void ClearCalls() => File.Delete(_dir.Combine("calls.log"));

    public void Dispose() => _dir.Dispose();
}
