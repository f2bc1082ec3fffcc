using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dump;

/// <summary>
/// Sends a bounded number of small UDP datagrams to 127.0.0.1 so a capture on loopback has
/// something to show on any machine. Stops by itself after <c>count</c> datagrams.
/// </summary>
internal sealed class LoopbackTraffic : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _task;

    public LoopbackTraffic(int count, TimeSpan interval, int port = 33333)
    {
        _task = Task.Run(async () =>
        {
            using var udp = new UdpClient(AddressFamily.InterNetwork);
            var target = new IPEndPoint(IPAddress.Loopback, port);
            for (int i = 0; i < count && !_stop.IsCancellationRequested; i++)
            {
                byte[] message = Encoding.ASCII.GetBytes($"slimcap dump datagram {i}");
                await udp.SendAsync(message, target).ConfigureAwait(false);
                try
                {
                    await Task.Delay(interval, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _task.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }
        _stop.Dispose();
    }
}
