"""The data layer: build, load, validate and store Kalbar's geographic and case data."""
