# timeline.gp: one row per instance, coloured by what it is doing.
# Input (set by lambdasim plot timeline): x_min, x_max (s), y_min, y_max
# (the instances alive in that window), n_instances (rows), n_provisioned,
# has_row_labels (1: $rows labels each row: instance_id "label"), and four
# blocks of
#   instance_id  start_s  end_s
# $idle, $init (cold start), $busy (a request batch), $ping (a warm-up ping).
# Activity shorter than 0.2 % of the time axis is drawn that wide so it
# stays visible.
set xlabel "simulated time (s)"
set ylabel "instance (creation order; prov. = provisioned)"
set xrange [x_min:x_max]
set yrange [y_min-0.6:y_max+0.6]
set grid noytics
set ytics scale 0
set bmargin 6
set key at screen 0.5, screen 0.035 center horizontal
set style fill solid 1.0 noborder
h = n_instances > 60 ? 0.5 : 0.36
# Cold starts drawn last: when short intervals are widened, init stays on top.
plot $idle using (($2+$3)/2):1:2:3:($1-h*0.6):($1+h*0.6) with boxxyerror lc rgb "#d9d9d9" notitle, \
     $busy using (($2+$3)/2):1:2:3:($1-h):($1+h) with boxxyerror lc rgb "#0072B2" notitle, \
     $ping using (($2+$3)/2):1:2:3:($1-h):($1+h) with boxxyerror lc rgb "#CC79A7" notitle, \
     $init using (($2+$3)/2):1:2:3:($1-h):($1+h) with boxxyerror lc rgb "#E69F00" notitle, \
     keyentry with boxes fs solid lc rgb "#d9d9d9" title "idle (warm)", \
     keyentry with boxes fs solid lc rgb "#E69F00" title "init (cold start)", \
     keyentry with boxes fs solid lc rgb "#0072B2" title "busy: request batch", \
     keyentry with boxes fs solid lc rgb "#CC79A7" title "busy: warm-up ping", \
     for [i=1:has_row_labels] $rows using (NaN):1:yticlabels(2) notitle
