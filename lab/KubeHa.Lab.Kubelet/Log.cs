using System.Globalization;

namespace KubeHa.Lab.Kubelet;

/// <summary>Line-oriented log on stderr, one timestamped line per event; repeated errors are damped.</summary>
internal sealed class Log(TimeProvider time)
{
    private readonly Dictionary<string, (string Message, DateTimeOffset At)> _lastError = [];
    private readonly Lock _gate = new();

    public void Info(string message) => Write("I", message);

    public void Warn(string message) => Write("W", message);

    /// <summary>Logs an error for <paramref name="key"/> unless the same message was logged for it within a minute.</summary>
    public void Error(string key, string message)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_lastError.TryGetValue(key, out var last) && last.Message == message && now - last.At < TimeSpan.FromMinutes(1))
            {
                return;
            }

            _lastError[key] = (message, now);
        }

        Write("E", $"{key}: {message}");
    }

    public void Recovered(string key)
    {
        lock (_gate)
        {
            if (!_lastError.Remove(key))
            {
                return;
            }
        }

        Write("I", $"{key}: ok again");
    }

    private void Write(string level, string message)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"{level} {time.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffZ} {message}");
        lock (_gate)
        {
            Console.Error.WriteLine(line);
        }
    }
}
