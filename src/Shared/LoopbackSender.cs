using System.Net;
using System.Net.Sockets;

namespace SlimCap.Shared;

/// <summary>
/// Sends <c>count</c> small UDP datagrams to 127.0.0.1 (one every <c>interval</c>, then stops) so that a capture on
/// loopback has something to see with no set-up. One source file linked into the examples and the slimcap tool.
/// </summary>
internal static class LoopbackSender
{
    internal static async Task SendAsync(int count, TimeSpan interval, int port, CancellationToken cancellationToken)
    {
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        var target = new IPEndPoint(IPAddress.Loopback, port);
        try
        {
            for (int i = 0; i < count; i++)
            {
                byte[] payload = new byte[32 + i % 64];
                payload[0] = (byte)i;
                await udp.SendAsync(payload, target, cancellationToken).ConfigureAwait(false);
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Time is up: stop sending.
        }
    }
}
