Console.WriteLine("AsyncBridge sample: being written");
