# histogram.gp: latency histogram, runs overlaid on the same bins.
# Input (set by lambdasim plot histogram): n_series, series_title[], log_x,
# log_y (1: counts span orders of magnitude), shares (1: runs of different
# sizes, so each bar is its run's share of requests, in percent), y_low
# (the log axis' floor), x_label, and $hist with one block per series of
#   bin_low_ms  bin_high_ms  requests (or share, %)
set xlabel x_label
y_name = shares ? "share of the run's requests per bin (%)" : "requests per bin"
if (log_y) { set ylabel y_name." (log scale)"; set logscale y 10; set yrange [y_low:*] } \
else { set ylabel y_name; set yrange [0:*] }
if (log_x) { set logscale x 10; set autoscale xfix; set offsets graph 0.02, graph 0.02, 0, 0; \
             set xtics (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000); \
             set mxtics 10 }
set key top right
set style fill transparent solid 0.45 border
ylow = log_y ? y_low : 0
plot for [i=1:n_series] $hist index (i-1) using (($1+$2)/2):3:1:2:(ylow):3 \
     with boxxyerror lt i title series_title[i]
