using System.Diagnostics;
using System.Text;

namespace KubeHa.Bench;

/// <summary>
/// The same edit by Ansible (Debian's ansible-core): an inventory of the N nodes, each
/// `ansible_connection: local` with its own root, one `replace` task, no fact gathering.
/// </summary>
internal sealed class AnsibleRun
{
    private readonly string _dir;
    private readonly Fleet _fleet;

    public AnsibleRun(string dir, Fleet fleet)
    {
        _dir = Path.Combine(dir, "ansible");
        _fleet = fleet;
        Directory.CreateDirectory(_dir);
        var inventory = new StringBuilder("[nodes]\n");
        for (var i = 0; i < fleet.Count; i++)
        {
            inventory.Append(Fleet.Node(i)).Append(" ansible_connection=local ansible_python_interpreter=/usr/bin/python3 node_root=")
                .Append(fleet.Root(i)).Append('\n');
        }

        File.WriteAllText(Path.Combine(_dir, "inventory.ini"), inventory.ToString());
        File.WriteAllText(Path.Combine(_dir, "switch.yml"), $$$"""
            - hosts: nodes
              gather_facts: false
              tasks:
                - name: point kubelet.conf at the HA endpoint
                  ansible.builtin.replace:
                    path: "{{ node_root }}/kubernetes/kubelet.conf"
                    regexp: '^(\s*server:\s*).*$'
                    replace: '\g<1>{{{Fleet.NewServer}}}'

            """);
    }

    /// <summary>Puts every kubelet.conf back on master-1's address.</summary>
    public void Reset()
    {
        for (var i = 0; i < _fleet.Count; i++)
        {
            File.WriteAllText(_fleet.Kubelet(i), Fleet.KubeconfigText(Fleet.OldServer));
        }
    }

    /// <summary>Wall time of ansible-playbook, in ms.</summary>
    public async Task<double> RunAsync(int forks)
    {
        var env = new Dictionary<string, string>
        {
            ["ANSIBLE_LOCAL_TEMP"] = Path.Combine(_dir, "tmp"),
            ["ANSIBLE_REMOTE_TEMP"] = Path.Combine(_dir, "rtmp"),
            ["ANSIBLE_HOST_KEY_CHECKING"] = "False",
            ["ANSIBLE_RETRY_FILES_ENABLED"] = "False",
            ["ANSIBLE_NOCOLOR"] = "1",
        };
        var watch = Stopwatch.StartNew();
        using var run = new Child("ansible-playbook", ["-i", Path.Combine(_dir, "inventory.ini"), "-f", forks.ToString(System.Globalization.CultureInfo.InvariantCulture), Path.Combine(_dir, "switch.yml")], env: env);
        var exit = await run.WaitAsync(TimeSpan.FromMinutes(30)).ConfigureAwait(false);
        watch.Stop();
        if (exit != 0)
        {
            throw new InvalidOperationException($"ansible-playbook -f {forks} failed ({exit}):\n{run.Output[^Math.Min(run.Output.Length, 4000)..]}");
        }

        return watch.Elapsed.TotalMilliseconds;
    }
}
