# Minitest reporter of the runner's Ruby start point: one JSON line per test, written to the file named by
# MINITEST_JSON_REPORT, for the runner to read the light from (minitest has no machine-readable reporter).
require 'json'
require 'minitest'

module Minitest
  class JsonLinesReporter < AbstractReporter
    def initialize(path)
      super()
      @file = File.open(path, 'w')
    end

    def record(result)
      failure = result.failure
      outcome = if result.skipped? then 'skipped'
                elsif result.passed? then 'passed'
                elsif failure.is_a?(UnexpectedError) then 'errored'
                else 'failed'
                end
      type = failure.is_a?(UnexpectedError) ? failure.error.class.name : failure&.class&.name
      @file.puts(JSON.generate(name: result.name, outcome: outcome, type: type))
      @file.flush
    end

    def report
      @file.close
    end
  end

  def self.plugin_json_lines_init(_options)
    reporter << JsonLinesReporter.new(ENV.fetch('MINITEST_JSON_REPORT'))
  end
end

Minitest.extensions << 'json_lines'
