using System.Collections;
using Microsoft.Extensions.DependencyInjection;

namespace Scheduler.Hosting;

/// <summary>One hosted routine: its coroutine name and how to create its routine when the host starts.</summary>
/// <remarks>Registered in the container as a singleton instance, so the hosted service finds them all, in order.</remarks>
internal sealed class HostedRoutineRegistration(string name, Func<IServiceProvider, ICollection<object>, CancellationToken, IEnumerator> create)
{
    public string Name { get; } = name;

    /// <summary>Creates the routine; a worker the registration created itself is added to <paramref name="owned"/>, for disposal at stop.</summary>
    public IEnumerator Create(IServiceProvider services, ICollection<object> owned, CancellationToken stoppingToken) =>
        create(services, owned, stoppingToken)
        ?? throw new InvalidOperationException($"The hosted routine '{Name}' was created as null; a hosted routine must provide an IEnumerator.");

    public static HostedRoutineRegistration ForWorker<TWorker>(string name)
        where TWorker : class, IHostedRoutine =>
        new(name, (services, owned, stoppingToken) =>
        {
            TWorker? worker = services.GetService<TWorker>();
            if (worker is null)
            {
                worker = ActivatorUtilities.CreateInstance<TWorker>(services);
                if (worker is IDisposable or IAsyncDisposable)
                {
                    owned.Add(worker);
                }
            }

            return worker.Run(stoppingToken);
        });
}
