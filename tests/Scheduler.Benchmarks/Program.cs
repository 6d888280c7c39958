Console.WriteLine("benchmarks: placeholder until the runner lands");
