using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Scheduler.Hosting;

/// <summary>Binds <see cref="EventLoopHostOptions"/> from the section <c>EventLoop</c>, when the container has a configuration.</summary>
/// <remarks>
/// Unknown keys are errors (a misspelt <c>FaultBehaviour</c> would otherwise be silently ignored), and so are
/// values that do not convert; the binder's message names the key, and it surfaces when the host starts.
/// </remarks>
internal sealed class BindEventLoopHostOptions(IConfiguration? configuration) : IConfigureOptions<EventLoopHostOptions>
{
    public void Configure(EventLoopHostOptions options)
    {
        if (configuration is null)
        {
            return;
        }

        IConfigurationSection section = configuration.GetSection(EventLoopHostOptions.SectionName);
        try
        {
            section.Bind(options, static binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException(
                $"The configuration section '{EventLoopHostOptions.SectionName}' is invalid: {ex.Message.TrimEnd('.')}. " +
                $"Valid keys: {nameof(EventLoopHostOptions.ThreadName)}, {nameof(EventLoopHostOptions.FaultBehavior)} " +
                $"({string.Join(" or ", Enum.GetNames<RoutineFaultBehavior>())}), {nameof(EventLoopHostOptions.ShutdownBehavior)} " +
                $"({string.Join(" or ", Enum.GetNames<EventLoopShutdownBehavior>())}), {nameof(EventLoopHostOptions.DrainTimeout)}, " +
                $"{nameof(EventLoopHostOptions.SlowStepThreshold)}, {nameof(EventLoopHostOptions.LogScopes)}.",
                ex);
        }
    }
}

/// <summary>Validates <see cref="EventLoopHostOptions"/> when the host starts; each failure names its key and the rule.</summary>
internal sealed class ValidateEventLoopHostOptions : IValidateOptions<EventLoopHostOptions>
{
    public ValidateOptionsResult Validate(string? name, EventLoopHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        string section = EventLoopHostOptions.SectionName;

        if (string.IsNullOrWhiteSpace(options.ThreadName))
        {
            failures.Add($"{section}:{nameof(options.ThreadName)} must not be empty: it names the loop's thread and the loop in logs.");
        }
        else if (options.ThreadName.Any(char.IsControl))
        {
            failures.Add($"{section}:{nameof(options.ThreadName)} must not contain control characters (got '{options.ThreadName.ReplaceLineEndings(" ")}').");
        }

        if (!Enum.IsDefined(options.FaultBehavior))
        {
            failures.Add($"{section}:{nameof(options.FaultBehavior)} is {options.FaultBehavior}; valid values: {string.Join(", ", Enum.GetNames<RoutineFaultBehavior>())}.");
        }

        if (!Enum.IsDefined(options.ShutdownBehavior))
        {
            failures.Add($"{section}:{nameof(options.ShutdownBehavior)} is {options.ShutdownBehavior}; valid values: {string.Join(", ", Enum.GetNames<EventLoopShutdownBehavior>())}.");
        }

        if (options.DrainTimeout <= TimeSpan.Zero || options.DrainTimeout == Timeout.InfiniteTimeSpan || options.DrainTimeout == TimeSpan.MaxValue)
        {
            failures.Add($"{section}:{nameof(options.DrainTimeout)} is {options.DrainTimeout}; it must be positive and finite (the host's shutdown timeout bounds the whole stop).");
        }

        if (options.SlowStepThreshold <= TimeSpan.Zero && options.SlowStepThreshold != Timeout.InfiniteTimeSpan)
        {
            failures.Add($"{section}:{nameof(options.SlowStepThreshold)} is {options.SlowStepThreshold}; it must be positive, or {Timeout.InfiniteTimeSpan} to turn the blocking watchdog off.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
